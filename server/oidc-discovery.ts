import type { Logger } from './redacting-logger.ts';

/** A fetch function (the global one, or a test's wrapper). */
export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** What this server needs of the issuer's OpenID Provider Metadata (OIDC Discovery 1.0 §3), with URLs it can reach. */
export interface IssuerMetadata {
  /** `issuer` as the document names it (the host the request reached, or Nextcloud's overwrite host). */
  issuer: string;
  /** `jwks_uri`, rewritten onto the internal Nextcloud URL. */
  jwksUri: string;
  /** `userinfo_endpoint`, rewritten onto the internal Nextcloud URL. */
  userinfoEndpoint: string;
  /** The document as Nextcloud sent it. */
  document: Record<string, unknown>;
}

/** An error talking to the issuer's discovery endpoint. */
export class DiscoveryError extends Error {
  readonly code: 'ERR_DISCOVERY_HTTP' | 'ERR_DISCOVERY_UNREACHABLE' | 'ERR_DISCOVERY_INVALID';
  constructor(code: DiscoveryError['code'], message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DiscoveryError';
    this.code = code;
  }
}

/** Options of `OidcDiscovery`. */
export interface OidcDiscoveryOptions {
  nextcloudUrl: string;
  /** The public issuer, when tokens name another host than `nextcloudUrl`. */
  issuerUrl?: string;
  fetch: FetchLike;
  timeoutMs: number;
  logger: Logger;
  /** How long a fetched document is reused, milliseconds (default 10 minutes). */
  maxAgeMs?: number;
}

/**
 * The `oidc` app's discovery document, fetched through the internal Nextcloud URL and cached. Nextcloud
 * builds every URL in it from the host the request reached (H2CK/oidc `DiscoveryGenerator`), so URLs under
 * the document's `issuer` or the configured public issuer are moved onto the internal URL.
 */
export class OidcDiscovery {
  private cached?: { at: number; value: IssuerMetadata };
  private inflight?: Promise<IssuerMetadata>;
  private readonly maxAgeMs: number;

  constructor(private readonly options: OidcDiscoveryOptions) {
    this.maxAgeMs = options.maxAgeMs ?? 600_000;
  }

  /** The metadata, from the cache when it is fresh; concurrent callers share one request. */
  metadata(): Promise<IssuerMetadata> {
    if (this.cached && Date.now() - this.cached.at < this.maxAgeMs) return Promise.resolve(this.cached.value);
    this.inflight ??= this.load().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** Moves a URL under a known public prefix onto the internal Nextcloud URL. */
  toInternal(url: string, documentIssuer: string): string {
    for (const prefix of [documentIssuer, this.options.issuerUrl].filter((p): p is string => !!p)) {
      const base = prefix.replace(/\/+$/, '');
      if (url === base || url.startsWith(`${base}/`)) return `${this.options.nextcloudUrl}${url.slice(base.length)}`;
    }
    return url;
  }

  private async load(): Promise<IssuerMetadata> {
    const url = `${this.options.nextcloudUrl}/index.php/apps/oidc/openid-configuration`;
    let response: Response;
    try {
      response = await this.options.fetch(url, { headers: { Accept: 'application/json' }, redirect: 'manual', signal: AbortSignal.timeout(this.options.timeoutMs) });
    } catch (error) {
      throw new DiscoveryError('ERR_DISCOVERY_UNREACHABLE', `cannot reach Nextcloud's OpenID discovery at ${url}: ${(error as Error).message}`, { cause: error });
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      const hint = response.status === 404 ? ' (is the oidc app enabled?)' : '';
      throw new DiscoveryError('ERR_DISCOVERY_HTTP', `Nextcloud's OpenID discovery at ${url} answered ${response.status}${hint}`);
    }
    let document: Record<string, unknown>;
    try {
      document = (await response.json()) as Record<string, unknown>;
    } catch (error) {
      throw new DiscoveryError('ERR_DISCOVERY_INVALID', `Nextcloud's OpenID discovery at ${url} is not JSON`, { cause: error });
    }
    const issuer = document['issuer'];
    const jwks = document['jwks_uri'];
    const userinfo = document['userinfo_endpoint'];
    if (typeof issuer !== 'string' || typeof jwks !== 'string' || typeof userinfo !== 'string') {
      throw new DiscoveryError('ERR_DISCOVERY_INVALID', `Nextcloud's OpenID discovery at ${url} lacks issuer, jwks_uri or userinfo_endpoint`);
    }
    const value: IssuerMetadata = { issuer, jwksUri: this.toInternal(jwks, issuer), userinfoEndpoint: this.toInternal(userinfo, issuer), document };
    this.cached = { at: Date.now(), value };
    this.options.logger.debug('discovery loaded', { issuer, jwksUri: value.jwksUri, userinfoEndpoint: value.userinfoEndpoint });
    return value;
  }
}
