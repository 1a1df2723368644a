import { afterEach, describe, expect, it } from 'vitest';
import { basicAuth, bearerAuth, call, OCS_JSON } from './apps/api-test-client.ts';
import { OCS_NOT_FOUND_MESSAGE } from './double-app.ts';
import { startDouble, type StartedDouble } from './start-double.ts';

let double: StartedDouble | undefined;
afterEach(async () => {
  await double?.stop();
  double = undefined;
});

function appList(stdout: string): { enabled: Record<string, string>; disabled: Record<string, string> } {
  return JSON.parse(stdout) as { enabled: Record<string, string>; disabled: Record<string, string> };
}

describe('a double without an app', () => {
  it('lists no absent app, lists a disabled one as disabled, and refuses to enable an absent one', async () => {
    double = await startDouble({ apps: { deck: false, tables: false, notes: 'disabled' } });
    const apps = appList((await double.occ(['app:list', '--output=json'])).stdout);
    expect(Object.keys(apps.enabled)).not.toContain('deck');
    expect(Object.keys(apps.disabled)).not.toContain('deck');
    expect(Object.keys({ ...apps.enabled, ...apps.disabled })).not.toContain('tables');
    expect(Object.keys(apps.disabled)).toContain('notes');
    expect(Object.keys(apps.enabled)).toContain('twofactor_backupcodes');
    expect((await double.occ(['app:enable', 'deck'])).exitCode).not.toBe(0);
    expect((await double.occ(['app:enable', 'notes'])).exitCode).toBe(0);
    expect(Object.keys(appList((await double.occ(['app:list', '--output=json'])).stdout).enabled)).toContain('notes');
  });

  it('answers the absent app routes as Nextcloud does: 404 on index.php, OCS 998 (HTTP 404 on v2) on OCS', async () => {
    double = await startDouble({ apps: { deck: false, tables: false } });
    const bearer = await bearerAuth(double, 'alice');
    const deck = await call(double, '/index.php/apps/deck/api/v1.0/boards', { method: 'POST', auth: bearer, json: { title: 'b', color: '0082c9' } });
    expect(deck.status).toBe(404);
    expect(deck.body).toBeUndefined();
    const tables = await call(double, '/ocs/v2.php/apps/tables/api/2/tables', { method: 'POST', auth: basicAuth(double, 'alice'), headers: OCS_JSON, json: { title: 't' } });
    expect(tables.status).toBe(404);
    expect(tables.body).toEqual({ ocs: { meta: { status: 'failure', statuscode: 998, message: OCS_NOT_FOUND_MESSAGE }, data: [] } });
    const v1 = await call(double, '/ocs/v1.php/apps/tables/api/2/tables', { auth: basicAuth(double, 'alice'), headers: OCS_JSON });
    expect(v1.status).toBe(200);
    expect((v1.body as { ocs: { meta: { statuscode: number } } }).ocs.meta.statuscode).toBe(998);
    expect((await call(double, '/index.php/apps/tables/api/1/tables', { auth: bearer })).status).toBe(404);
  });

  it('answers a present app normally', async () => {
    double = await startDouble({ apps: { deck: false } });
    const tables = await call(double, '/ocs/v2.php/apps/tables/api/2/tables', { auth: basicAuth(double, 'alice'), headers: OCS_JSON });
    expect(tables.status).toBe(200);
  });

  it('refuses an app it cannot play', async () => {
    await expect(startDouble({ apps: { spreed: false } })).rejects.toThrow(/the double knows no app 'spreed'/);
  });
});
