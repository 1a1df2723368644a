import type { PatchMode } from '../double/index.ts';
import { HarnessError } from './harness-error.ts';
import type { NextcloudStatus } from './nextcloud-http.ts';
import type { InstanceVariant, OccRunner } from './nextcloud-instance.ts';
import type { AppList } from './prepare-instance.ts';

/** The file the user_oidc patch changes (facts page, "The user_oidc patch"; nextcloud/user_oidc#1221). */
export const USER_OIDC_PATCHED_FILE = 'lib/User/Backend.php';
/** The file the core patch changes (nextcloud/server#55878). */
export const SERVER_PATCHED_FILE = 'lib/private/AppFramework/Middleware/Security/CORSMiddleware.php';

/**
 * Files that `occ integrity:check-app|check-core --output=json` reports as changed, or undefined when the
 * check did not run (no signature: a git checkout, or a Nextcloud whose check-app skips without `--path`).
 */
function changedFiles(stdout: string): Set<string> | undefined {
  const text = stdout.trim();
  if (text === '') return undefined;
  try {
    const parsed = JSON.parse(text.slice(Math.max(0, Math.min(...['{', '['].map((c) => text.indexOf(c)).filter((i) => i >= 0))))) as unknown;
    const files = new Set<string>();
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      for (const group of Object.values(parsed as Record<string, unknown>)) {
        if (group && typeof group === 'object') for (const file of Object.keys(group)) files.add(file);
      }
    }
    return files;
  } catch {
    return undefined;
  }
}

/**
 * Looks for the companion patches on a signed instance: a release's `user_oidc` whose
 * `lib/User/Backend.php` fails `occ integrity:check-app user_oidc` carries the user_oidc patch; a core whose
 * CORSMiddleware fails `occ integrity:check-core` carries the server patch. Unsigned instances, and
 * instances where both files changed, give `unknown`.
 */
export async function detectPatch(occ: OccRunner): Promise<{ patch: PatchMode | 'unknown'; source: InstanceVariant['patchSource'] }> {
  const app = await occ(['integrity:check-app', 'user_oidc', '--output=json'], { timeoutMs: 120_000 });
  const appFiles = app.exitCode <= 1 ? changedFiles(app.stdout) : undefined;
  const core = await occ(['integrity:check-core', '--output=json'], { timeoutMs: 300_000 });
  const coreFiles = core.exitCode <= 1 ? changedFiles(core.stdout) : undefined;
  const userOidcPatched = appFiles?.has(USER_OIDC_PATCHED_FILE);
  const serverPatched = coreFiles?.has(SERVER_PATCHED_FILE);
  if (userOidcPatched && !serverPatched) return { patch: 'user_oidc-app-api', source: 'integrity-check' };
  if (serverPatched && !userOidcPatched) return { patch: 'server-cors', source: 'integrity-check' };
  if (userOidcPatched === false && serverPatched === false) return { patch: 'none', source: 'integrity-check' };
  return { patch: 'unknown', source: 'unknown' };
}

/**
 * The variant found on an instance: Nextcloud's version from status.php, the apps' versions from
 * `occ app:list`. Throws ERR_APP_MISSING when `oidc` or `user_oidc` is not installed at all.
 */
export function variantFromStatus(baseUrl: string, status: NextcloudStatus, apps: AppList): Omit<InstanceVariant, 'patch' | 'patchSource'> {
  const version = (app: string): string => {
    const v = apps.enabled[app] ?? apps.disabled[app];
    if (v === undefined) {
      throw new HarnessError('ERR_APP_MISSING', `the ${app} app is not installed on ${baseUrl}: install it (occ app:install ${app}) and run again`);
    }
    return v;
  };
  const major = Number(status.versionstring.split('.')[0]);
  return {
    nextcloud: status.versionstring,
    nextcloudMajor: Number.isFinite(major) ? major : 0,
    oidc: version('oidc'),
    userOidc: version('user_oidc'),
    isDouble: status.ncOauthLabDouble !== undefined,
  };
}
