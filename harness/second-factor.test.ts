import { describe, expect, it } from 'vitest';
import { HarnessError } from './harness-error.ts';
import type { StartedNextcloud } from './nextcloud-instance.ts';
import { DoubleNextcloud } from './providers/double-provider.ts';
import { enableBackupCodes } from './second-factor.ts';

/** A password login as a browser sends it; returns where Nextcloud sends the user next. */
async function passwordLogin(nc: StartedNextcloud, uid: string, password: string): Promise<string> {
  const page = await fetch(`${nc.baseUrl}/index.php/login`, { headers: { Accept: 'text/html' } });
  const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const token = /data-requesttoken="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  const login = await fetch(`${nc.baseUrl}/index.php/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', Origin: nc.baseUrl },
    body: new URLSearchParams({ user: uid, password, requesttoken: token }).toString(),
  });
  return new URL(login.headers.get('location') ?? '', nc.baseUrl).pathname;
}

describe('enableBackupCodes', () => {
  it('makes the login of the user need a second factor, keeps other enforced groups, and undoes it', async () => {
    const builder = new DoubleNextcloud().withTestUsers([{ uid: 'alice' }, { uid: 'carol' }]);
    const nc = await builder.start();
    const state = builder.startedDouble!.state;
    try {
      await nc.occ(['group:add', 'staff']);
      await nc.occ(['twofactorauth:enforce', '--on', '--group', 'staff']);
      const carol = nc.user('carol');
      expect(await passwordLogin(nc, carol.uid, carol.password)).toBe('/index.php/apps/dashboard/');
      const factor = await enableBackupCodes(nc, carol);
      const groups = state.getSystemValue('twofactor_enforced_groups') as string[];
      expect(groups[0]).toBe('staff');
      expect(groups[1]).toMatch(/^nclab-2fa-[0-9a-f]{6}$/);
      expect(await passwordLogin(nc, carol.uid, carol.password)).toBe('/index.php/login/selectchallenge');
      expect(await passwordLogin(nc, 'alice', nc.user('alice').password)).toBe('/index.php/apps/dashboard/');
      const first = factor.nextCode()!;
      expect(first).toMatch(/^[A-Za-z0-9]{16}$/);
      expect(nc.secrets.redact(`code ${first}`)).toBe('code ***');
      expect(factor.nextCode()).not.toBe(first);
      expect(await factor.undo()).toEqual([]);
      expect(state.getSystemValue('twofactor_enforced')).toBe('true');
      expect(state.getSystemValue('twofactor_enforced_groups')).toEqual(['staff']);
      expect([...state.groups]).not.toContain(groups[1]);
      expect(await passwordLogin(nc, carol.uid, carol.password)).toBe('/index.php/apps/dashboard/');
    } finally {
      await nc.stop();
    }
  });

  it('fails with ERR_PREPARE where twofactor_backupcodes is not enabled, leaving nothing behind', async () => {
    const builder = new DoubleNextcloud().withApps({ twofactor_backupcodes: 'disabled' }).withTestUsers([{ uid: 'carol' }]);
    const nc = await builder.start();
    const state = builder.startedDouble!.state;
    try {
      const error = await enableBackupCodes(nc, nc.user('carol')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HarnessError);
      expect((error as HarnessError).code).toBe('ERR_PREPARE');
      expect((error as HarnessError).message).toMatch(/generating backup codes for carol failed: .*settings\/create answered 404$/);
      expect([...state.groups]).toEqual(['admin']);
      expect(state.getSystemValue('twofactor_enforced')).toBeUndefined();
    } finally {
      await nc.stop();
    }
  });
});
