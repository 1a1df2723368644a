import { describe, expect, it } from 'vitest';
import { runCli } from './command.ts';
import { rootCommand } from './commands.ts';
import { formatProbeTable, probeTable } from './probe-command.ts';

describe('probeTable', () => {
  it('puts the facts page beside each row and flags what differs', () => {
    const table = probeTable(
      [
        { check: 'bearer.notes.get', status: 401, message: 'CORS requires basic auth' },
        { check: 'bearer.dav.files.propfind', status: 401, message: 'NotAuthenticated' },
      ],
      { nextcloudMajor: 32, patch: 'none' },
    );
    expect(table).toEqual([
      { check: 'bearer.notes.get', observed: '401 CORS requires basic auth', expected: '401 "CORS requires basic auth" (CORSMiddleware logs the bearer session out)', ok: true },
      { check: 'bearer.dav.files.propfind', observed: '401 NotAuthenticated', expected: '207 (DAV (Sabre): no CORSMiddleware)', ok: false },
    ]);
    const lines = formatProbeTable(table);
    expect(lines[0]).toMatch(/^check\s+observed\s+expected \(facts page\)$/);
    expect(lines[2]).toMatch(/^bearer\.dav\.files\.propfind\s+401 NotAuthenticated\s+207 .*\s+DIFFERS$/);
  });
});

describe('nc-oauth-lab probe against the double (browser)', () => {
  it('reproduces the facts page with the user_oidc patch on Nextcloud 34', { timeout: 90_000 }, async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(rootCommand, ['probe', '--nextcloud', '34', '--patch', 'user_oidc-app-api'], { out: (l) => out.push(l), err: (l) => err.push(l) });
    const text = out.join('\n');
    expect(text).toMatch(/^variant {4}Nextcloud 34\.0\.1, oidc 2\.0\.9, user_oidc 8\.10\.1, patch user_oidc-app-api/m);
    expect(text).toMatch(/^bearer\.notes\.get\s+200 0 notes\s+200 \(fixed by the user_oidc-app-api patch\)\s+ok$/m);
    expect(text).toMatch(/^invalid-token\.ocs\.user\s+401 OCS 997 Current user is not logged in\s+401 "Current user is not logged in".*ok$/m);
    expect(text).toMatch(/^all 15 rows as the facts page says$/m);
    expect(text).toMatch(/^note: this ran against the Nextcloud double/m);
    expect(err.join('\n')).toMatch(/probe: bearer\.dav\.calendar\.propfind -> 207/);
    expect(code).toBe(0);
  });
});
