import { HarnessError } from './harness-error.ts';
import type { TestUser } from './nextcloud-instance.ts';

/** Default timeout of the harness's own HTTP requests to Nextcloud. */
export const HTTP_TIMEOUT_MS = 30_000;

/** `Authorization` header value for HTTP Basic (RFC 7617 §2). */
export function basicAuthorization(user: Pick<TestUser, 'uid' | 'password'>): string {
  return `Basic ${Buffer.from(`${user.uid}:${user.password}`, 'utf8').toString('base64')}`;
}

/** Why a fetch failed, in a few words (`ECONNREFUSED`, `timeout`, `ENOTFOUND`), never the request. */
export function networkReason(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timed out';
    const cause = (error as { cause?: unknown }).cause;
    if (cause && typeof cause === 'object') {
      const c = cause as { code?: unknown; message?: unknown; errors?: { code?: unknown }[] };
      if (typeof c.code === 'string') return c.code;
      const inner = c.errors?.find((e) => typeof e.code === 'string');
      if (inner) return String(inner.code);
      if (typeof c.message === 'string' && c.message !== '') return c.message;
    }
    return error.message;
  }
  return String(error);
}

/** The HarnessError for a Nextcloud that does not answer at `baseUrl`. */
export function unreachable(baseUrl: string, error: unknown): HarnessError {
  return new HarnessError('ERR_NEXTCLOUD_UNREACHABLE', `cannot reach Nextcloud at ${baseUrl}: ${networkReason(error)}; start it or check --url`, { cause: error });
}

/** fetch with a timeout, turning network failures into ERR_NEXTCLOUD_UNREACHABLE. Never sends cookies. */
export async function nextcloudFetch(baseUrl: string, path: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<Response> {
  const { timeoutMs, ...rest } = init;
  try {
    return await fetch(`${baseUrl}${path}`, { redirect: 'manual', ...rest, signal: AbortSignal.timeout(timeoutMs ?? HTTP_TIMEOUT_MS) });
  } catch (error) {
    throw unreachable(baseUrl, error);
  }
}

/** What Nextcloud's `status.php` says (fields as core's status.php writes them). */
export interface NextcloudStatus {
  installed: boolean;
  maintenance: boolean;
  needsDbUpgrade: boolean;
  version: string;
  versionstring: string;
  productname: string;
  /** Present only on the nc-oauth-lab Nextcloud double. */
  ncOauthLabDouble?: { nextcloud: number; oidc: string; user_oidc: string; patch: string; note: string };
}

/**
 * Reads `status.php`. Throws ERR_NEXTCLOUD_UNREACHABLE when nothing answers, ERR_NOT_NEXTCLOUD when the
 * answer is not Nextcloud's status, ERR_NOT_INSTALLED / ERR_MAINTENANCE when Nextcloud cannot serve yet.
 */
export async function readStatus(baseUrl: string, timeoutMs = 10_000): Promise<NextcloudStatus> {
  const response = await nextcloudFetch(baseUrl, '/status.php', { headers: { Accept: 'application/json' }, timeoutMs });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new HarnessError('ERR_NOT_NEXTCLOUD', `${baseUrl}/status.php answered ${response.status} without Nextcloud's status JSON: check --url (it is the address of Nextcloud's root, with its webroot if any)`, { cause: error });
  }
  const status = body as Partial<NextcloudStatus>;
  if (response.status !== 200 || typeof status.versionstring !== 'string' || typeof status.installed !== 'boolean') {
    throw new HarnessError('ERR_NOT_NEXTCLOUD', `${baseUrl}/status.php answered ${response.status} without Nextcloud's status fields: check --url`);
  }
  if (!status.installed) throw new HarnessError('ERR_NOT_INSTALLED', `Nextcloud at ${baseUrl} is not installed yet: finish its installation first`);
  if (status.maintenance) throw new HarnessError('ERR_MAINTENANCE', `Nextcloud at ${baseUrl} is in maintenance mode: run 'occ maintenance:mode --off' or wait`);
  return status as NextcloudStatus;
}

/** An OCS answer (`{"ocs":{"meta":{...},"data":...}}`) with the HTTP status. */
export interface OcsAnswer {
  httpStatus: number;
  statuscode: number;
  message: string;
  data: unknown;
}

/**
 * Calls an OCS endpoint (`/ocs/v2.php/...`) with `OCS-APIRequest: true` and JSON, as the facts page's
 * "Other APIs" section says. Form fields go as `application/x-www-form-urlencoded`.
 */
export async function ocsRequest(baseUrl: string, path: string, init: { method?: string; authorization?: string; form?: Record<string, string> } = {}): Promise<OcsAnswer> {
  const headers: Record<string, string> = { 'OCS-APIRequest': 'true', Accept: 'application/json' };
  if (init.authorization) headers['Authorization'] = init.authorization;
  let body: string | undefined;
  if (init.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  }
  const response = await nextcloudFetch(baseUrl, path, { method: init.method ?? 'GET', headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  try {
    const parsed = JSON.parse(text) as { ocs?: { meta?: { statuscode?: number; message?: string }; data?: unknown } };
    return { httpStatus: response.status, statuscode: Number(parsed.ocs?.meta?.statuscode ?? 0), message: String(parsed.ocs?.meta?.message ?? ''), data: parsed.ocs?.data };
  } catch {
    return { httpStatus: response.status, statuscode: 0, message: text.slice(0, 200), data: undefined };
  }
}
