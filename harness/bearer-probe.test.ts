import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueAccessToken, type PatchMode } from '../double/index.ts';
import { PROBE_CHECKS, bearerProbe, expectedProbe, probeMatches, randomAlphanumeric, type ProbeRow } from './bearer-probe.ts';
import type { StartedNextcloud } from './nextcloud-instance.ts';
import { DoubleNextcloud } from './providers/double-provider.ts';
import { SecretRedactor } from './secret-redactor.ts';

const byCheck = (rows: ProbeRow[]): Record<string, ProbeRow> => Object.fromEntries(rows.map((r) => [r.check, r]));

describe.each<[PatchMode, number]>([
  ['none', 32],
  ['user_oidc-app-api', 32],
  ['server-cors', 32],
  ['none', 34],
])('bearer probe against the double, patch %s, Nextcloud %i', (patch, nextcloud) => {
  let builder: DoubleNextcloud;
  let nc: StartedNextcloud;
  let rows: Record<string, ProbeRow>;
  let token: string;
  const secrets = new SecretRedactor();
  beforeAll(async () => {
    builder = new DoubleNextcloud().withNextcloud(nextcloud as 32 | 34).withPatch(patch);
    nc = await builder.start();
    token = (await issueAccessToken(builder.startedDouble!.state, { uid: 'alice', scope: 'openid profile email' })).token;
    const list = await bearerProbe({ baseUrl: nc.baseUrl, token, uid: 'alice', secrets });
    expect(list.map((r) => r.check)).toEqual([...PROBE_CHECKS]);
    rows = byCheck(list);
  });
  afterAll(() => nc.stop());

  it('reproduces every row of the facts page for the variant', () => {
    for (const check of PROBE_CHECKS) {
      const expected = expectedProbe(check, { nextcloudMajor: nextcloud, patch });
      expect({ check, ok: probeMatches(rows[check]!, expected), row: rows[check] }).toMatchObject({ check, ok: true });
    }
  });

  it('shows the difference the patch makes on Notes with Bearer only', () => {
    if (patch === 'none') {
      expect(rows['bearer.notes.get']).toMatchObject({ status: 401, message: 'CORS requires basic auth' });
      expect(rows['bearer.notes.post']).toMatchObject({ status: 401, message: 'CORS requires basic auth' });
    } else {
      expect(rows['bearer.notes.get']).toMatchObject({ status: 200 });
      expect(rows['bearer.notes.post']!.message).toMatch(/^note \d+ created$/);
    }
    expect(rows['bearer.notes.ocs-header.get']!.status).toBe(200);
    expect(rows['bearer.ocs.capabilities']!.message).not.toBe(rows['invalid-token.ocs.capabilities']!.message);
    expect(rows['invalid-token.ocs.user']).toMatchObject({ status: 401, message: 'OCS 997 Current user is not logged in' });
    expect(rows['bearer.dav.files.propfind']!.status).toBe(207);
    expect(rows['invalid-token.dav.calendar']!.status).toBe(401);
  });

  it('deletes the notes it created and never reports the token', async () => {
    const response = await fetch(`${nc.baseUrl}/index.php/apps/notes/api/v1/notes`, { headers: { Authorization: `Bearer ${token}`, 'OCS-APIRequest': 'true' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([]);
    for (const row of Object.values(rows)) expect(row.message).not.toContain(token);
  });
});

describe('expectedProbe', () => {
  it('accepts either status on the patch rows when the patch is unknown', () => {
    const expected = expectedProbe('bearer.notes.get', { nextcloudMajor: 34, patch: 'unknown' });
    expect(expected.statuses).toEqual([401, 200]);
    expect(probeMatches({ check: 'bearer.notes.get', status: 200, message: '0 notes' }, expected)).toBe(true);
    expect(probeMatches({ check: 'bearer.notes.get', status: 500, message: '' }, expected)).toBe(false);
  });

  it('follows the facts page on Nextcloud <= 30 for OCS-APIRequest (from code)', () => {
    expect(expectedProbe('bearer.notes.ocs-header.get', { nextcloudMajor: 30, patch: 'none' }).statuses).toEqual([401]);
    expect(expectedProbe('bearer.notes.ocs-header.get', { nextcloudMajor: 30, patch: 'user_oidc-app-api' }).statuses).toEqual([200]);
    expect(expectedProbe('bearer.notes.ocs-header.get', { nextcloudMajor: 31, patch: 'none' }).statuses).toEqual([200]);
  });

  it('requires the message where the facts page gives one', () => {
    const expected = expectedProbe('bearer.notes.post', { nextcloudMajor: 32, patch: 'none' });
    expect(probeMatches({ check: 'bearer.notes.post', status: 401, message: 'Current user is not logged in' }, expected)).toBe(false);
    expect(randomAlphanumeric(72)).toMatch(/^[A-Za-z0-9]{72}$/);
  });
});
