/**
 * Redaction of secrets in what a scenario records and what reports show: tokens, passwords, client
 * secrets, codes and cookies never reach matrix.json, matrix.md, matrix.html or JUnit (DEVELOPERS.md).
 */

/** What replaces a secret. */
export const REDACTED = '[redacted]';

/** Object keys whose values are secrets, whatever they hold. */
const SECRET_KEY = /(token|secret|password|passwd|authorization|cookie|apppassword|requesttoken|code_verifier|^credentials?$)/i;

const TEXT_RULES: readonly [RegExp, string][] = [
  // Authorization header values
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, `$1 ${REDACTED}`],
  // JWTs anywhere
  [/\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, REDACTED],
  // secrets in query strings, form bodies and JSON-ish text
  [
    /\b(access_token|refresh_token|id_token|registration_access_token|client_secret|code_verifier|password|requesttoken)(["']?\s*[=:]\s*["']?)[^\s&"',}]+/gi,
    `$1$2${REDACTED}`,
  ],
  // authorization codes in redirect URLs
  [/([?&#]code=)[^&\s"']+/g, `$1${REDACTED}`],
  // opaque tokens of the oidc app are 72 alphanumeric characters; app passwords are long too
  [/\b[A-Za-z0-9]{40,}\b/g, REDACTED],
];

/** `text` with every secret-looking part replaced by `[redacted]`. */
export function redactText(text: string): string {
  return TEXT_RULES.reduce((s, [pattern, replacement]) => s.replace(pattern, replacement), text);
}

/**
 * A deep copy of a JSON value with secrets redacted: values under secret-named keys become `[redacted]`,
 * strings are passed through `redactText`. Values that JSON cannot hold (functions, symbols) are dropped
 * as JSON.stringify drops them.
 */
export function redactSecrets<T>(value: T): T {
  const walk = (v: unknown, key: string | undefined): unknown => {
    if (key !== undefined && SECRET_KEY.test(key) && v !== null && v !== undefined && typeof v !== 'boolean' && typeof v !== 'number') return REDACTED;
    if (typeof v === 'string') return redactText(v);
    if (Array.isArray(v)) return v.map((item) => walk(item, undefined));
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, item]) => [k, walk(item, k)]));
    }
    return v;
  };
  return walk(value, undefined) as T;
}
