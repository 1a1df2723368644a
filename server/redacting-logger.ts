/** Log levels, most verbose first; `silent` logs nothing. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Structured fields of a log line. */
export type LogFields = Record<string, unknown>;

/** A logger whose every line passes through `redact` before it is written. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line and shares the secrets and the sink. */
  child(fields: LogFields): Logger;
  /** Registers a value that must never appear in a line (a password, a token). */
  addSecret(secret: string): void;
}

/** Options of `createLogger`. */
export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go (default: stderr, so that stdout stays free for the stdio transport). */
  write?: (line: string) => void;
  secrets?: readonly string[];
}

const REDACTED = '[redacted]';

/**
 * What a secret looks like when nobody registered it: credentials in `Authorization` values, JWTs,
 * Nextcloud app passwords (`xxxxx-xxxxx-xxxxx-xxxxx-xxxxx`), long random strings (opaque tokens of the
 * `oidc` app are 72 alphanumerics, codes 128) and `key=value` / `"key": "value"` pairs with secret names.
 */
const SECRET_KEYS = 'password|passwd|app_?password|secret|client_secret|access_token|refresh_token|id_token|token|authorization|cookie|set-cookie|registration_access_token';
const SECRET_PATTERNS: readonly [RegExp, string][] = [
  // A credential after an auth scheme: at least 8 characters with a digit or a base64/token symbol, so that prose ("Basic auth") stays.
  [/\b(Bearer|Basic|Digest)\s+(?=[A-Za-z0-9._~+/=:-]*[0-9._~+/=:-])[A-Za-z0-9._~+/=:-]{8,}/gi, `$1 ${REDACTED}`],
  [/eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, REDACTED],
  [/\b[A-Za-z0-9]{5}(?:-[A-Za-z0-9]{5}){4}\b/g, REDACTED],
  [/\b[A-Za-z0-9_-]{40,}\b/g, REDACTED],
  // JSON members ("password":"x", also JSON-escaped inside another string) and query parameters (client_secret=x).
  [new RegExp(`((?:"|\\\\")(?:${SECRET_KEYS})(?:"|\\\\")\\s*:\\s*(?:"|\\\\"))(?!(?:Bearer|Basic|Digest)\\s|\\[redacted\\])[^"\\\\]+`, 'gi'), `$1${REDACTED}`],
  [new RegExp(`(\\b(?:${SECRET_KEYS})=)(?!\\[redacted\\])[^&\\s"]+`, 'gi'), `$1${REDACTED}`],
];

/** Replaces registered secrets and anything that looks like a credential with `[redacted]`. */
export function redact(text: string, secrets: Iterable<string> = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    out = out.split(secret).join(REDACTED);
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret) out = out.split(escaped).join(REDACTED);
  }
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

function errorFields(value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(code !== undefined ? { code } : {}) };
  }
  return value;
}

/**
 * A JSON-lines logger (`{"time","level","msg",...}`) that redacts every line: registered secrets and
 * credential-shaped strings never reach the sink (DEVELOPERS.md: secrets never appear in logs).
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level ?? 'info');
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const secrets = new Set<string>(options.secrets ?? []);
  const make = (base: LogFields): Logger => {
    const log = (level: LogLevel, message: string, fields?: LogFields): void => {
      if (LOG_LEVELS.indexOf(level) < threshold) return;
      const entry: LogFields = { time: new Date().toISOString(), level, msg: message, ...base };
      for (const [k, v] of Object.entries(fields ?? {})) entry[k] = errorFields(v);
      let line: string;
      try {
        line = JSON.stringify(entry);
      } catch {
        line = JSON.stringify({ time: entry['time'], level, msg: message });
      }
      write(redact(line, secrets));
    };
    return {
      debug: (m, f) => log('debug', m, f),
      info: (m, f) => log('info', m, f),
      warn: (m, f) => log('warn', m, f),
      error: (m, f) => log('error', m, f),
      child: (fields) => make({ ...base, ...fields }),
      addSecret: (secret) => {
        if (secret) secrets.add(secret);
      },
    };
  };
  return make({});
}
