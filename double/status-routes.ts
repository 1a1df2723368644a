import type { Hono } from 'hono';
import type { DoubleState } from './double-state.ts';
import type { DoubleEnv } from './request-context.ts';
import { NEXTCLOUD_RELEASE } from './version-gates.ts';

/** The field of `status.php` that names the double; real Nextcloud never has it. */
export const DOUBLE_STATUS_FIELD = 'ncOauthLabDouble';

/** `status.php` as Nextcloud answers it, plus the field that names the double and the variant it plays. */
export function statusBody(state: DoubleState): Record<string, unknown> {
  const release = NEXTCLOUD_RELEASE[state.versions.nextcloud];
  return {
    installed: true,
    maintenance: false,
    needsDbUpgrade: false,
    version: `${release}.1`,
    versionstring: release,
    edition: '',
    productname: 'Nextcloud',
    extendedSupport: false,
    [DOUBLE_STATUS_FIELD]: {
      note: 'This is the nc-oauth-lab Nextcloud double, a test double, not a real Nextcloud.',
      nextcloud: state.versions.nextcloud,
      oidc: state.versions.oidc,
      user_oidc: state.versions.userOidc,
      patch: state.patch,
    },
  };
}

export function registerStatusRoutes(app: Hono<DoubleEnv>, state: DoubleState): void {
  app.get('/status.php', (c) => c.json(statusBody(state)));
}
