import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { captureCli, type CapturedCli } from './cli-test-kit.ts';
import { tokenLines } from './login-command.ts';

const cli = (argv: string[], env: Record<string, string> = {}): Promise<CapturedCli> => captureCli(argv, env);

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('nc-oauth-lab login: bad input', () => {
  it('names what external needs, in one line with exit code 2', async () => {
    const noUrl = await cli(['login', '--provider', 'external', '--occ', 'php occ']);
    expect(noUrl).toMatchObject({ code: 2, err: ['nc-oauth-lab: --provider external needs --url, the address of the running Nextcloud'] });
    const noOcc = await cli(['login', '--provider', 'external', '--url', 'http://127.0.0.1:1']);
    expect(noOcc.err).toEqual(['nc-oauth-lab: --provider external needs --occ, the command line that runs occ (e.g. "docker exec -u www-data nc php occ")']);
    const noPassword = await cli(['login', '--provider', 'external', '--url', 'http://127.0.0.1:1', '--occ', 'php occ'], { NC_ADMIN_PASSWORD: '' });
    expect(noPassword.err).toEqual(['nc-oauth-lab: --provider external needs the admin password: set NC_ADMIN_PASSWORD (or pass --admin-password)']);
  });

  it('rejects options given to the wrong provider', async () => {
    const r = await cli(['probe', '--provider', 'external', '--url', 'http://127.0.0.1:1', '--occ', 'php occ', '--patch', 'none']);
    expect(r).toMatchObject({ code: 2, err: ['nc-oauth-lab: --patch is for --provider double or docker: an external instance reports its own versions'] });
    const s = await cli(['login', '--occ', 'php occ']);
    expect(s).toMatchObject({ code: 2, err: ['nc-oauth-lab: --occ is for --provider external, not double'] });
    const v = await cli(['login', '--nextcloud', '35', '--oidc', '1.10.0']);
    expect(v.code).toBe(2);
    expect(v.err.at(-1)).toMatch(/^nc-oauth-lab: oidc 1\.10\.0 installs on Nextcloud 30-32, not 35/);
  });

  it('says when Nextcloud cannot be reached, without echoing the password', async () => {
    const port = await closedPort();
    const r = await cli(['probe', '--provider', 'external', '--url', `http://127.0.0.1:${port}`, '--occ', 'php occ'], { NC_ADMIN_PASSWORD: 'very-secret-admin-pw' });
    expect(r.code).toBe(2);
    expect(r.err.at(-1)).toBe(`nc-oauth-lab: cannot reach Nextcloud at http://127.0.0.1:${port}: ECONNREFUSED; start it or check --url`);
    expect([...r.out, ...r.err].join('\n')).not.toContain('very-secret-admin-pw');
  });
});

describe('tokenLines', () => {
  it('prints type, expiry, scopes and subject, never the token', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const lines = tokenLines(
      { accessToken: 'A'.repeat(72), tokenType: 'Bearer', format: 'opaque', expiresIn: 900, expiresAt: new Date('2026-01-01T00:15:00Z'), scope: 'openid profile' },
      'alice',
      undefined,
      'openid profile email',
      now,
    );
    expect(lines).toEqual([
      'token      opaque, 72 characters, token_type Bearer',
      'expires    2026-01-01T00:15:00.000Z (in 900 s, expires_in 900)',
      'scopes     openid profile',
      'subject    alice',
      'refresh    no refresh token',
    ]);
    expect(lines.join('\n')).not.toContain('A'.repeat(72));
    const jwt = tokenLines({ accessToken: 'x.y.z', tokenType: 'bearer', format: 'jwt', accessTokenClaims: { exp: 1767226500, scope: 'openid email' } }, 'bob', undefined, 'openid', now);
    expect(jwt[0]).toMatch(/^token {6}JWT \(RFC 9068\)/);
    expect(jwt[1]).toBe('expires    2026-01-01T00:15:00.000Z (in 900 s)');
    expect(jwt[2]).toBe('scopes     openid email');
  });
});

describe('nc-oauth-lab login against the double (browser)', () => {
  it('logs in through the consent page and prints the token only with --show-token', { timeout: 90_000 }, async () => {
    const r = await cli(['login', '--consent', '--token-type', 'jwt', '--user', 'bob', '--show-token']);
    expect(r.err.at(-1)).toMatch(/^restoring http:\/\/127\.0\.0\.1:\d+$/);
    expect(r.code).toBe(0);
    const out = r.out.join('\n');
    expect(out).toMatch(/^instance {3}the Nextcloud double \(a test double, not a real Nextcloud\) at http:\/\/127\.0\.0\.1:\d+$/m);
    expect(out).toMatch(/^variant {4}Nextcloud 32\.0\.1, oidc 1\.16\.6, user_oidc 8\.10\.1, patch none/m);
    expect(out).toMatch(/^consent {4}the consent page was shown and allowed$/m);
    expect(out).toMatch(/^token {6}JWT \(RFC 9068\), \d+ characters/m);
    expect(out).toMatch(/^expires {4}\d{4}-\d\d-\d\dT.* \(in \d+ s, expires_in 900\)$/m);
    expect(out).toMatch(/^scopes {5}openid profile email offline_access/m);
    expect(out).toMatch(/^subject {4}bob$/m);
    expect(out).toMatch(/^refresh {4}a refresh token was issued$/m);
    expect(out).toMatch(/^access {5}[\w-]+\.[\w-]+\.[\w-]+$/m);
    expect(r.err.join('\n')).toMatch(/browser: consent page, clicking Allow/);
    expect(r.err.join('\n')).not.toMatch(/bob-password/);
  });

  it('keeps the token to itself without --show-token, and reports a Deny', { timeout: 90_000 }, async () => {
    const r = await cli(['login', '--deny', '--pkce', 'plain']);
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toMatch(/^result {5}the authorization server answered error=access_denied/m);
    expect(r.out.join('\n')).not.toMatch(/^access /m);
  });
});

describe('nc-oauth-lab login and probe: the browser preflight', () => {
  it.each([['login'], ['probe']])('%s exits 2 in one line naming what it tried and what to do, before any instance starts', { timeout: 60_000 }, async (command) => {
    const started = Date.now();
    const r = await cli([command], { NC_OAUTH_LAB_CHROMIUM: '/bin/false' });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(r.code).toBe(2);
    expect(r.err).toEqual([expect.stringMatching(/^nc-oauth-lab: no browser starts: tried NC_OAUTH_LAB_CHROMIUM=\/bin\/false \(.*\)\. To fix it, install one: 'npx playwright install chromium', or your distribution's chromium package/)]);
    expect(r.out).toEqual([]);
  });
});
