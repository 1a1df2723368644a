/** What a redacted secret is replaced with. */
export const REDACTED = '***';

const PARAM_NAMES = 'code|code_verifier|access_token|refresh_token|id_token|token|client_secret|registration_access_token|password|requesttoken';

/** Query, form and JSON spellings of secret-carrying parameters (RFC 6749 §4.1.2, §5.1; RFC 7591 §3.2.1). */
const PATTERNS: readonly [RegExp, string][] = [
  // A credential is 8+ token characters (RFC 6750 §2.1 b64token), not words ("basic auth") or auth-params ("Bearer realm=...").
  [/\b(Bearer|Basic)\s+(?![A-Za-z_]+=")[A-Za-z0-9._~+/-]{8,}=*/gi, `$1 ${REDACTED}`],
  [new RegExp(`([?&#;\\s]|^)(${PARAM_NAMES})=([^&\\s"'<>#]+)`, 'gi'), `$1$2=${REDACTED}`],
  [new RegExp(`("(?:${PARAM_NAMES})"\\s*:\\s*)"[^"]*"`, 'gi'), `$1"${REDACTED}"`],
  [new RegExp(`((?:${PARAM_NAMES})%3D)[^%&\\s"'<>]+`, 'gi'), `$1${REDACTED}`],
];

/**
 * Keeps the secrets of a run (passwords, tokens, client secrets, authorization codes) and removes them
 * from any text before it reaches a log line, an error message, a report or a kept trace. Known values are
 * replaced wherever they appear; secret-carrying parameters (`code=`, `access_token`, `Bearer ...`) are
 * replaced even when their value was never registered.
 */
export class SecretRedactor {
  private readonly secrets = new Set<string>();

  /** Registers secrets; values shorter than 4 characters are ignored (they would mask ordinary words). */
  add(...values: readonly (string | undefined)[]): this {
    for (const value of values) {
      if (value !== undefined && value.length >= 4) {
        this.secrets.add(value);
        const encoded = encodeURIComponent(value);
        if (encoded !== value) this.secrets.add(encoded);
      }
    }
    return this;
  }

  /** Whether `text` still contains a registered secret. */
  leaks(text: string): boolean {
    for (const secret of this.secrets) if (text.includes(secret)) return true;
    return false;
  }

  /** `text` with every registered secret and secret-carrying parameter replaced by `***`. */
  redact(text: string): string {
    let out = text;
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join(REDACTED);
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
    return out;
  }

  /** A URL with secret-carrying query parameters replaced (for progress lines and page URLs in errors). */
  redactUrl(url: string | URL): string {
    return this.redact(String(url));
  }
}
