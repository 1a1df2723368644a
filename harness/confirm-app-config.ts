import { HarnessError } from './harness-error.ts';
import { basicAuthorization, nextcloudFetch, ocsRequest } from './nextcloud-http.ts';
import type { OccRunner, Progress, TestUser } from './nextcloud-instance.ts';
import { occOrThrow } from './prepare-instance.ts';
import type { SecretRedactor } from './secret-redactor.ts';

/**
 * Milliseconds the harness waits at most for an app config value occ changed to reach the web server
 * (default). Nextcloud >= 32 keeps app config in the web process's local memory cache (APCu) for 3 s
 * (`OC\AppConfig::LOCAL_CACHE_TTL`, nextcloud/server#54383, from code); observed: a registration right after
 * occ turned DCR off still got 201, after 4 s 400. 30 s leaves room for a loaded machine.
 */
export const APP_CONFIG_CONFIRM_TIMEOUT_MS = 30_000;

/** Milliseconds between two HTTP observations while waiting. */
const POLL_MS = 250;

/** What confirming an app config value needs: where Nextcloud is and an admin for the provisioning API. */
export interface AppConfigTarget {
  baseUrl: string;
  admin: Pick<TestUser, 'uid' | 'password'>;
}

/** Options of a confirmation. */
export interface ConfirmOptions {
  /** Milliseconds before ERR_SETTING_NOT_IN_EFFECT (default APP_CONFIG_CONFIRM_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Milliseconds to wait where the value cannot be observed over HTTP (default 4000: the cache's 3 s lifetime and a margin). */
  unobservableWaitMs?: number;
  progress?: Progress;
}

/** A value the provisioning API never holds: what it answers for a key that is not set. */
const UNSET = '\u0000nc-oauth-lab:unset';

/**
 * Observes over HTTP whether the web server sees `app`/`key` as `value` (undefined: not set), and what
 * it sees. DCR (`oidc dynamic_client_registration`) is observed where it matters, in the discovery
 * document (`registration_endpoint` is listed only while the value is the string `true`, facts page);
 * any other key through the provisioning API (`GET /ocs/v2.php/apps/provisioning_api/api/v1/config/apps/{app}/{key}`,
 * admin; `IAppConfig::getValueMixed` in the web process, through its local cache). `observable` is false
 * when neither answers (the provisioning API disabled).
 */
export async function observeAppConfig(target: AppConfigTarget, app: string, key: string, value: string | undefined): Promise<{ observable: boolean; inEffect: boolean; seen: string }> {
  if (app === 'oidc' && key === 'dynamic_client_registration') {
    const response = await nextcloudFetch(target.baseUrl, '/index.php/apps/oidc/openid-configuration', { headers: { Accept: 'application/json' } });
    const doc = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (response.status !== 200 || !doc) return { observable: false, inEffect: false, seen: `discovery answered ${response.status}` };
    const listed = typeof doc['registration_endpoint'] === 'string';
    return { observable: true, inEffect: listed === (value === 'true'), seen: listed ? 'registration_endpoint listed' : 'no registration_endpoint' };
  }
  const path = `/ocs/v2.php/apps/provisioning_api/api/v1/config/apps/${encodeURIComponent(app)}/${encodeURIComponent(key)}?defaultValue=${encodeURIComponent(UNSET)}`;
  const answer = await ocsRequest(target.baseUrl, path, { authorization: basicAuthorization(target.admin) });
  const data = (answer.data as { data?: unknown } | undefined)?.data;
  if (answer.httpStatus !== 200 || typeof data !== 'string') return { observable: false, inEffect: false, seen: `the provisioning API answered ${answer.httpStatus}/${answer.statuscode}` };
  return { observable: true, inEffect: data === (value ?? UNSET), seen: data === UNSET ? 'not set' : `'${data}'` };
}

/**
 * Waits until the web server sees an app config value occ changed (see observeAppConfig), polling every
 * 250 ms, at most `timeoutMs`. Throws HarnessError ERR_SETTING_NOT_IN_EFFECT when it never does. Where the
 * value cannot be observed over HTTP, it waits the lifetime of Nextcloud's local cache (4 s) and says so.
 * Returns the milliseconds it waited and whether the value was observed.
 */
export async function confirmAppConfig(target: AppConfigTarget, app: string, key: string, value: string | undefined, options: ConfirmOptions = {}): Promise<{ waitedMs: number; observed: boolean }> {
  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? APP_CONFIG_CONFIRM_TIMEOUT_MS);
  const what = value === undefined ? `app config ${app} ${key} deleted` : `app config ${app} ${key} = '${value}'`;
  for (let attempt = 0; ; attempt++) {
    const seen = await observeAppConfig(target, app, key, value);
    if (!seen.observable) {
      const wait = Math.max(0, Math.min(options.unobservableWaitMs ?? 4000, deadline - Date.now()));
      if (wait > 0) options.progress?.(`  cannot observe ${app} ${key} over HTTP (${seen.seen}): waiting ${wait / 1000} s, the lifetime of Nextcloud's app config cache`);
      await new Promise((r) => setTimeout(r, wait));
      return { waitedMs: Date.now() - started, observed: false };
    }
    if (seen.inEffect) {
      if (attempt > 0) options.progress?.(`  ${what} reached the web server after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return { waitedMs: Date.now() - started, observed: true };
    }
    if (Date.now() + POLL_MS > deadline) {
      throw new HarnessError(
        'ERR_SETTING_NOT_IN_EFFECT',
        `${what} was set through occ but the web server still sees ${seen.seen} after ${Math.round((Date.now() - started) / 1000)} s: check that occ and the web server use the same Nextcloud (config, database), or set the system config cache_app_config=false`,
        { detail: { app, key, seen: seen.seen } },
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * Sets (or, with `undefined`, deletes) an app config value through occ and waits until the web server sees
 * it (confirmAppConfig): what a scenario changes through occ is in effect before it goes on.
 */
export async function setAppConfig(target: AppConfigTarget & { occ: OccRunner; secrets: SecretRedactor }, app: string, key: string, value: string | undefined, options: ConfirmOptions = {}): Promise<void> {
  await occOrThrow(target.occ, value === undefined ? ['config:app:delete', app, key] : ['config:app:set', app, key, `--value=${value}`], target.secrets);
  await confirmAppConfig(target, app, key, value, options);
}
