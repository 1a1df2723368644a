/** Options of a DavError. */
export interface DavErrorOptions {
  /** Stable error code of this project (`ERR_DAV_...`). */
  code?: string;
  cause?: unknown;
  /** Extra response headers (`WWW-Authenticate`, `ETag`, `Allow`, ...); a list gives the header several times. */
  headers?: Record<string, string | readonly string[]>;
  /**
   * Extra children of `<d:error>` as sabre's `Exception::serialize()` adds them, already serialised with
   * the `d:`/`s:` prefixes (for example `<s:header>If-Match</s:header>` or `<d:supported-report/>`).
   */
  extraXml?: string;
  /** Extra namespace declarations on `<d:error>` (`xmlns:o="..."`), as `serialize()` sets them. */
  extraNamespaces?: Record<string, string>;
}

/**
 * An exception of the DAV server, answered with Sabre's XML error body (`Sabre\DAV\Server::start()`):
 * `<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns"><s:exception>...</s:exception>
 * <s:message>...</s:message></d:error>`, status from the exception class. Nextcloud hides the sabre
 * version (`exposeVersion = false`) and debug details.
 */
export class DavError extends Error {
  readonly code: string;
  readonly status: number;
  /** PHP class name reported in `<s:exception>`, e.g. `Sabre\DAV\Exception\NotFound`. */
  readonly exception: string;
  readonly headers: Record<string, string | readonly string[]>;
  readonly extraXml: string;
  readonly extraNamespaces: Record<string, string>;

  constructor(status: number, exception: string, message: string, options: DavErrorOptions = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'DavError';
    this.status = status;
    this.exception = exception;
    this.code = options.code ?? `ERR_DAV_${status}`;
    this.headers = options.headers ?? {};
    this.extraXml = options.extraXml ?? '';
    this.extraNamespaces = options.extraNamespaces ?? {};
  }
}

/** Sabre `NotFound` (404). */
export function notFound(message: string): DavError {
  return new DavError(404, 'Sabre\\DAV\\Exception\\NotFound', message, { code: 'ERR_DAV_NOT_FOUND' });
}

/** Sabre `Forbidden` (403). */
export function forbidden(message: string): DavError {
  return new DavError(403, 'Sabre\\DAV\\Exception\\Forbidden', message, { code: 'ERR_DAV_FORBIDDEN' });
}

/** Sabre `Conflict` (409). */
export function conflict(message: string): DavError {
  return new DavError(409, 'Sabre\\DAV\\Exception\\Conflict', message, { code: 'ERR_DAV_CONFLICT' });
}

/** Sabre `BadRequest` (400). */
export function badRequest(message: string, cause?: unknown): DavError {
  return new DavError(400, 'Sabre\\DAV\\Exception\\BadRequest', message, { code: 'ERR_DAV_BAD_REQUEST', cause });
}

/** Sabre `MethodNotAllowed` (405), with the `Allow` header sabre computes for the node. */
export function methodNotAllowed(message: string, allow?: readonly string[]): DavError {
  return new DavError(405, 'Sabre\\DAV\\Exception\\MethodNotAllowed', message, { code: 'ERR_DAV_METHOD_NOT_ALLOWED', ...(allow ? { headers: { Allow: allow.join(', ') } } : {}) });
}

/** Sabre `UnsupportedMediaType` (415). */
export function unsupportedMediaType(message: string): DavError {
  return new DavError(415, 'Sabre\\DAV\\Exception\\UnsupportedMediaType', message, { code: 'ERR_DAV_UNSUPPORTED_MEDIA_TYPE' });
}

/** Sabre `NotImplemented` (501). */
export function notImplemented(message: string): DavError {
  return new DavError(501, 'Sabre\\DAV\\Exception\\NotImplemented', message, { code: 'ERR_DAV_NOT_IMPLEMENTED' });
}

/**
 * Sabre `PreconditionFailed` (412, RFC 4918 §12.1 and RFC 7232 §4.2): `serialize()` adds
 * `<s:header>` naming the header that failed; sabre sends the current ETag along when it knows it.
 */
export function preconditionFailed(message: string, header: string, etag?: string): DavError {
  return new DavError(412, 'Sabre\\DAV\\Exception\\PreconditionFailed', message, {
    code: 'ERR_DAV_PRECONDITION_FAILED',
    extraXml: `<s:header>${header}</s:header>`,
    ...(etag ? { headers: { ETag: etag } } : {}),
  });
}

/**
 * Nextcloud's `InvalidPath` (400): `serialize()` declares `xmlns:o` and adds `<o:retry>` and `<o:reason>`
 * in the namespace `o:` as Nextcloud writes them.
 */
export function invalidPath(message: string): DavError {
  const esc = message.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return new DavError(400, 'OCA\\DAV\\Connector\\Sabre\\Exception\\InvalidPath', message, {
    code: 'ERR_DAV_INVALID_PATH',
    extraNamespaces: { 'xmlns:o': 'http://owncloud.org/ns' },
    extraXml: `\n  <o:retry xmlns:o="o:">false</o:retry>\n  <o:reason xmlns:o="o:">${esc}</o:reason>`,
  });
}

/**
 * The body Sabre writes for an exception: a pretty-printed DOM document (two-space indent) with the
 * exception class and message, escaped like `htmlspecialchars(ENT_NOQUOTES)`.
 */
export function sabreErrorBody(error: DavError): string {
  const esc = (v: string): string => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const extraNs = Object.entries(error.extraNamespaces).map(([k, v]) => ` ${k}="${v}"`).join('');
  const extra = error.extraXml === '' ? '' : error.extraXml.startsWith('\n') ? error.extraXml : `\n  ${error.extraXml}`;
  return (
    `<?xml version="1.0" encoding="utf-8"?>\n` +
    `<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns"${extraNs}>\n` +
    `  <s:exception>${esc(error.exception)}</s:exception>\n` +
    (error.message === '' ? `  <s:message/>${extra}\n` : `  <s:message>${esc(error.message)}</s:message>${extra}\n`) +
    `</d:error>\n`
  );
}

/** The HTTP answer for a DavError: its status, its headers and `Content-Type: application/xml; charset=utf-8`. */
export function sabreErrorResponse(error: DavError, method = 'GET'): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(error.headers)) {
    for (const v of typeof value === 'string' ? [value] : value) headers.append(name, v);
  }
  headers.set('Content-Type', 'application/xml; charset=utf-8');
  return new Response(method === 'HEAD' ? null : sabreErrorBody(error), { status: error.status, headers });
}
