import { XMLParser } from 'fast-xml-parser';
import { createClient, type WebDAVClient } from 'webdav';
import type { FetchLike } from './oidc-discovery.ts';
import type { Logger } from './redacting-logger.ts';

/** How this server authenticates to Nextcloud for one caller. */
export type NextcloudCredentials = { kind: 'bearer'; token: string } | { kind: 'basic'; user: string; password: string };

/** Which Nextcloud API a request goes to; app-framework APIs marked `@CORS` get the CORS hint. */
export type NextcloudApi = 'ocs' | 'notes' | 'deck' | 'tables-v1' | 'dav' | 'oidc';

/** The message Nextcloud's CORSMiddleware sends when it logs a bearer session out (facts page, "Bearer tokens on Nextcloud APIs"). */
export const CORS_REQUIRES_BASIC_AUTH = 'CORS requires basic auth';

/** A failed request to Nextcloud, with what Nextcloud said and, where known, what fixes it. */
export class NextcloudError extends Error {
  readonly code: 'ERR_NEXTCLOUD_HTTP' | 'ERR_NEXTCLOUD_TIMEOUT' | 'ERR_NEXTCLOUD_UNREACHABLE' | 'ERR_NEXTCLOUD_REDIRECT' | 'ERR_NEXTCLOUD_INVALID';
  /** HTTP status Nextcloud answered (absent for network errors and timeouts). */
  readonly status?: number;
  /** Nextcloud's own message (JSON `message`, OCS `meta.message`, Sabre `s:message`), when it sent one. */
  readonly nextcloudMessage?: string;
  readonly method: string;
  readonly path: string;
  /** What fixes it, when this server knows. */
  readonly hint?: string;
  constructor(
    code: NextcloudError['code'],
    message: string,
    details: { method: string; path: string; status?: number; nextcloudMessage?: string; hint?: string; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'NextcloudError';
    this.code = code;
    this.method = details.method;
    this.path = details.path;
    if (details.status !== undefined) this.status = details.status;
    if (details.nextcloudMessage !== undefined) this.nextcloudMessage = details.nextcloudMessage;
    if (details.hint !== undefined) this.hint = details.hint;
  }
}

/** One request to Nextcloud. */
export interface NextcloudRequest {
  method?: string;
  /** Path under the Nextcloud URL, starting with `/` (`/ocs/v2.php/...`, `/index.php/apps/...`, `/remote.php/dav/...`). */
  path: string;
  api: NextcloudApi;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** A JSON body (sent with `Content-Type: application/json`). */
  json?: unknown;
  /** A raw body. */
  body?: string | Uint8Array;
  /** Statuses that are not errors (default: 200-299). */
  accept?: readonly number[];
}

/** An answer of Nextcloud. */
export interface NextcloudResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** Options of `NextcloudClient`. */
export interface NextcloudClientOptions {
  /** The Nextcloud URL (web root, no trailing slash). */
  baseUrl: string;
  credentials: NextcloudCredentials;
  /** The caller's user id (for DAV paths). */
  uid: string;
  /** Send `OCS-APIRequest: true` to app-framework APIs and DAV too (OCS calls always carry it). */
  ocsApiRequest: boolean;
  timeoutMs: number;
  fetch?: FetchLike;
  logger: Logger;
}

const xml = new XMLParser({ ignoreAttributes: true, removeNSPrefix: true, parseTagValue: false });

function firstString(...values: unknown[]): string | undefined {
  for (const v of values) if (typeof v === 'string' && v.trim() !== '') return v.trim();
  return undefined;
}

/**
 * Nextcloud's own message in an error body: app-framework JSON (`message`), OCS (`ocs.meta.message`, JSON or
 * XML), OAuth JSON (`error_description`), Sabre XML (`s:message`), else the start of the text.
 */
export function nextcloudMessage(text: string, contentType: string | null): string | undefined {
  const body = text.trim();
  if (body === '') return undefined;
  if ((contentType ?? '').includes('json') || body.startsWith('{') || body.startsWith('[')) {
    try {
      const data = JSON.parse(body) as Record<string, unknown>;
      const ocs = (data['ocs'] as { meta?: Record<string, unknown>; data?: Record<string, unknown> } | undefined) ?? undefined;
      return firstString(data['message'], ocs?.data?.['message'], ocs?.meta?.['message'], data['error_description'], data['error']);
    } catch {
      // not JSON after all
    }
  }
  if (body.startsWith('<')) {
    try {
      const doc = xml.parse(body) as Record<string, Record<string, unknown> | undefined>;
      return firstString(doc['error']?.['message'], (doc['ocs']?.['meta'] as Record<string, unknown> | undefined)?.['message']);
    } catch {
      // not XML
    }
  }
  return body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200) || undefined;
}

/** The tool-error hint for `401 CORS requires basic auth` on a `@CORS` app API. */
export function corsHint(ocsApiRequestSent: boolean): string {
  const header = ocsApiRequestSent
    ? "this server already sends 'OCS-APIRequest: true', which passes the CSRF check only on Nextcloud >= 31"
    : "sending 'OCS-APIRequest: true' fixes it on Nextcloud >= 31 (this server was started with --no-ocs-api-request)";
  return `Nextcloud's CORSMiddleware logged the bearer session out. Fix: apply the user_oidc patch (nextcloud/user_oidc#1221, marks bearer sessions as app_api) or the core patch nextcloud/server#55878; ${header}.`;
}

/**
 * A client of one caller's Nextcloud: built per MCP request from that caller's token (or the basic-mode
 * credentials). No cookie jar: it never sends a Cookie and keeps no Set-Cookie; redirects are not
 * followed (they would carry the token elsewhere); every request has a timeout.
 */
export class NextcloudClient {
  readonly uid: string;
  private davClient?: WebDAVClient;

  constructor(private readonly options: NextcloudClientOptions) {
    this.uid = options.uid;
  }

  /** Whether requests carry `OCS-APIRequest: true`. */
  get sendsOcsApiRequest(): boolean {
    return this.options.ocsApiRequest;
  }

  /** The headers every request carries: credentials, and `OCS-APIRequest` per configuration. */
  authHeaders(): Record<string, string> {
    const c = this.options.credentials;
    const headers: Record<string, string> = {
      Authorization: c.kind === 'bearer' ? `Bearer ${c.token}` : `Basic ${Buffer.from(`${c.user}:${c.password}`).toString('base64')}`,
    };
    if (this.options.ocsApiRequest) headers['OCS-APIRequest'] = 'true';
    return headers;
  }

  /** Sends a request; throws NextcloudError for statuses outside `accept` and for network errors. */
  async request(req: NextcloudRequest): Promise<NextcloudResponse> {
    const method = req.method ?? 'GET';
    const url = new URL(`${this.options.baseUrl}${req.path}`);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { Accept: 'application/json', ...this.authHeaders(), ...req.headers };
    // The OCS API wants the header on every call (facts page, "Other APIs an MCP server calls"); the setting
    // governs the app-framework APIs and DAV, where its absence is what reproduces the CORS refusal.
    if (req.api === 'ocs') headers['OCS-APIRequest'] = 'true';
    let body: string | Uint8Array | undefined = req.body;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['Content-Type'] = 'application/json';
    }
    const fetchImpl = this.options.fetch ?? fetch;
    const started = Date.now();
    let response: Response;
    try {
      response = await fetchImpl(url, { method, headers, redirect: 'manual', signal: AbortSignal.timeout(this.options.timeoutMs), ...(body !== undefined ? { body: typeof body === 'string' ? body : new Uint8Array(body) } : {}) });
    } catch (error) {
      const timeout = (error as Error).name === 'TimeoutError';
      throw new NextcloudError(
        timeout ? 'ERR_NEXTCLOUD_TIMEOUT' : 'ERR_NEXTCLOUD_UNREACHABLE',
        timeout ? `Nextcloud did not answer ${method} ${req.path} within ${this.options.timeoutMs} ms` : `cannot reach Nextcloud for ${method} ${req.path}: ${(error as Error).message}`,
        { method, path: req.path, cause: error },
      );
    }
    const text = await response.text();
    this.options.logger.debug('nextcloud request', { method, path: req.path, status: response.status, ms: Date.now() - started });
    const ok = req.accept ? req.accept.includes(response.status) : response.status >= 200 && response.status < 300;
    if (!ok) throw this.httpError(method, req.path, req.api, response.status, response.headers, text);
    return { status: response.status, headers: response.headers, text };
  }

  /** A request whose answer is JSON. */
  async json<T>(req: NextcloudRequest): Promise<{ data: T; headers: Headers; status: number }> {
    const res = await this.request(req);
    try {
      return { data: (res.text === '' ? null : JSON.parse(res.text)) as T, headers: res.headers, status: res.status };
    } catch (error) {
      throw new NextcloudError('ERR_NEXTCLOUD_INVALID', `Nextcloud answered ${req.method ?? 'GET'} ${req.path} with something that is not JSON`, { method: req.method ?? 'GET', path: req.path, status: res.status, cause: error });
    }
  }

  /** An OCS request (`format=json`); returns `ocs.data`. A failing OCS status in the body is an error too. */
  async ocs<T>(req: Omit<NextcloudRequest, 'api'>): Promise<T> {
    const res = await this.json<{ ocs?: { meta?: { statuscode?: number; message?: string }; data?: T } }>({ ...req, api: 'ocs', query: { ...req.query, format: 'json' } });
    const meta = res.data?.ocs?.meta;
    if (!res.data?.ocs || !meta) throw new NextcloudError('ERR_NEXTCLOUD_INVALID', `Nextcloud answered ${req.method ?? 'GET'} ${req.path} without an OCS envelope`, { method: req.method ?? 'GET', path: req.path, status: res.status });
    if (meta.statuscode !== undefined && meta.statuscode !== 100 && meta.statuscode !== 200) {
      const message = firstString(meta.message) ?? `OCS status ${meta.statuscode}`;
      throw new NextcloudError('ERR_NEXTCLOUD_HTTP', `Nextcloud answered ${req.method ?? 'GET'} ${req.path} with OCS status ${meta.statuscode}: ${message}`, {
        method: req.method ?? 'GET',
        path: req.path,
        status: res.status,
        nextcloudMessage: message,
      });
    }
    return res.data.ocs.data as T;
  }

  /** A WebDAV client on the caller's files (`/remote.php/dav/files/{uid}`), with the same headers. */
  files(): WebDAVClient {
    this.davClient ??= createClient(`${this.options.baseUrl}/remote.php/dav/files/${encodeURIComponent(this.uid)}`, { headers: this.authHeaders() });
    return this.davClient;
  }

  /** A signal that aborts after the request timeout, for calls through the WebDAV client. */
  timeoutSignal(): AbortSignal {
    return AbortSignal.timeout(this.options.timeoutMs);
  }

  /** Turns an error of the WebDAV client (which carries the fetch Response) into a NextcloudError. */
  async fromDavError(error: unknown, method: string, path: string): Promise<NextcloudError> {
    if (error instanceof NextcloudError) return error;
    const e = error as { status?: number; response?: { text?: () => Promise<string>; headers?: Headers }; name?: string; message?: string };
    if (typeof e.status === 'number') {
      const text = await Promise.resolve(e.response?.text?.())
        .then((t) => t ?? '')
        .catch(() => '');
      return this.httpError(method, path, 'dav', e.status, e.response?.headers ?? new Headers(), text);
    }
    const timeout = e.name === 'TimeoutError' || e.name === 'AbortError';
    return new NextcloudError(timeout ? 'ERR_NEXTCLOUD_TIMEOUT' : 'ERR_NEXTCLOUD_UNREACHABLE', timeout ? `Nextcloud did not answer ${method} ${path} within ${this.options.timeoutMs} ms` : `cannot reach Nextcloud for ${method} ${path}: ${e.message ?? String(error)}`, { method, path, cause: error });
  }

  private httpError(method: string, path: string, api: NextcloudApi, status: number, headers: Headers, text: string): NextcloudError {
    if (status >= 300 && status < 400) {
      return new NextcloudError('ERR_NEXTCLOUD_REDIRECT', `Nextcloud redirected ${method} ${path} (${status}) instead of answering: check --nextcloud-url`, { method, path, status });
    }
    const message = nextcloudMessage(text, headers.get('content-type'));
    const corsApi = api === 'notes' || api === 'deck' || api === 'tables-v1';
    const hint = status === 401 && corsApi && message === CORS_REQUIRES_BASIC_AUTH && this.options.credentials.kind === 'bearer' ? corsHint(this.options.ocsApiRequest) : undefined;
    return new NextcloudError('ERR_NEXTCLOUD_HTTP', `Nextcloud answered ${status} to ${method} ${path}${message ? `: ${message}` : ''}`, {
      method,
      path,
      status,
      ...(message !== undefined ? { nextcloudMessage: message } : {}),
      ...(hint !== undefined ? { hint } : {}),
    });
  }
}
