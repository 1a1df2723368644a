import { CliError } from '../cli/command.ts';

/**
 * Codes of the harness's errors. `ERR_NEXTCLOUD_UNREACHABLE`, `ERR_NOT_NEXTCLOUD`, `ERR_BAD_OPTION`,
 * `ERR_PROVIDER_UNAVAILABLE`, `ERR_APP_MISSING`, `ERR_INSECURE_HTTP` and `ERR_NO_BROWSER` are the user's to fix (exit code 2);
 * the others say that Nextcloud, OAuth or the browser did not do what the harness expected (exit code 1);
 * `ERR_IMAGE_BUILD` is a docker image that could not be built (a download, a step of the Dockerfile).
 */
export type HarnessErrorCode =
  | 'ERR_NEXTCLOUD_UNREACHABLE'
  | 'ERR_NOT_NEXTCLOUD'
  | 'ERR_NOT_INSTALLED'
  | 'ERR_MAINTENANCE'
  | 'ERR_BAD_OPTION'
  | 'ERR_PROVIDER_UNAVAILABLE'
  | 'ERR_IMAGE_BUILD'
  | 'ERR_APP_MISSING'
  | 'ERR_OCC_FAILED'
  | 'ERR_PREPARE'
  | 'ERR_SETTING_NOT_IN_EFFECT'
  | 'ERR_INSECURE_HTTP'
  | 'ERR_DISCOVERY'
  | 'ERR_DCR'
  | 'ERR_CLIENT_DELETE'
  | 'ERR_STATIC_CLIENT'
  | 'ERR_CALLBACK'
  | 'ERR_AUTHORIZATION_DENIED'
  | 'ERR_TOKEN'
  | 'ERR_USERINFO'
  | 'ERR_INTROSPECTION'
  | 'ERR_REFRESH'
  | 'ERR_LOGIN_REJECTED'
  | 'ERR_AUTHORIZE_ERROR_PAGE'
  | 'ERR_BROWSER'
  | 'ERR_NO_BROWSER'
  | 'ERR_MCP';

const USER_ERRORS: ReadonlySet<HarnessErrorCode> = new Set([
  'ERR_NEXTCLOUD_UNREACHABLE',
  'ERR_NOT_NEXTCLOUD',
  'ERR_NOT_INSTALLED',
  'ERR_MAINTENANCE',
  'ERR_BAD_OPTION',
  'ERR_PROVIDER_UNAVAILABLE',
  'ERR_APP_MISSING',
  'ERR_INSECURE_HTTP',
  'ERR_NO_BROWSER',
]);

/**
 * An error of the harness, with a stable `code` and the underlying `cause`. It is a CliError, so the CLI
 * prints its one-line message; the exit code is 2 for what the user can fix (a wrong URL, an unreachable
 * Nextcloud, a missing app) and 1 for what Nextcloud did differently than expected. Messages never carry
 * passwords or tokens.
 */
export class HarnessError extends CliError {
  override readonly code: HarnessErrorCode;
  /** Extra facts for reports (HTTP status, OAuth error, page text), never secrets. */
  readonly detail: Readonly<Record<string, unknown>>;
  constructor(code: HarnessErrorCode, message: string, options: { cause?: unknown; detail?: Record<string, unknown> } = {}) {
    super(message, { code, exitCode: USER_ERRORS.has(code) ? 2 : 1, ...(options.cause === undefined ? {} : { cause: options.cause }) });
    this.name = 'HarnessError';
    this.code = code;
    this.detail = options.detail ?? {};
  }
}

/** True when `error` is a HarnessError with `code`. */
export function isHarnessError(error: unknown, code?: HarnessErrorCode): error is HarnessError {
  return error instanceof HarnessError && (code === undefined || error.code === code);
}
