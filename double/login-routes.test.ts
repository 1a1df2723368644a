import { afterEach, describe, expect, it } from 'vitest';
import { startDouble, type StartDoubleOptions, type StartedDouble } from './start-double.ts';
import { HttpSession, initialState } from './oidc/http-test-kit.ts';
import { FIRST_RUN_WIZARD_CLOSE_DELAY_MS } from './pages/first-run-wizard.ts';

let double: StartedDouble | undefined;
afterEach(async () => {
  await double?.stop();
  double = undefined;
});

async function session(options: StartDoubleOptions = {}): Promise<HttpSession> {
  double = await startDouble(options);
  return new HttpSession(double.url);
}

describe('login page', () => {
  it('serves a page whose form only the script builds, with data-requesttoken and a session cookie', async () => {
    const s = await session();
    const page = await s.get('/index.php/login?redirect_url=%2Findex.php%2Fapps%2Foidc%2Fredirect');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(HttpSession.requestToken(page.body)).toBe([...double!.state.sessions.values()][0]!.requestToken);
    expect(page.body).not.toContain('<form');
    expect(page.body).toContain('id="login"');
    expect(page.body).toContain("'form', { name: 'login'");
    expect(initialState(page.body, 'core', 'loginRedirectUrl')).toBe('/index.php/apps/oidc/redirect');
    expect(s.jar.get(double!.state.instanceId)).toBeDefined();
    expect(s.jar.get('nc_sameSiteCookiestrict')).toBe('true');
  });

  it('logs in with requesttoken and redirects to the same-origin redirect_url with 303', async () => {
    const s = await session();
    const answer = await s.login('alice', 'alice-password', '/index.php/apps/oidc/redirect?client_id=x');
    expect(answer.status).toBe(303);
    expect(answer.location).toBe(`${double!.url}/index.php/apps/oidc/redirect?client_id=x`);
    const sessionState = [...double!.state.sessions.values()].find((x) => x.uid === 'alice');
    expect(sessionState).toBeDefined();
    // Logged in now: the login page sends the user to the default app.
    expect((await s.get('/index.php/login')).location).toBe(`${double!.url}/index.php/apps/dashboard/`);
  });

  it('accepts the e-mail address as login name and goes to the dashboard without redirect_url', async () => {
    const s = await session();
    const answer = await s.login('bob@example.test', 'bob-password');
    expect(answer.location).toBe(`${double!.url}/index.php/apps/dashboard/`);
    const dashboard = await s.get('/index.php/apps/dashboard/');
    expect(dashboard.status).toBe(200);
    expect(dashboard.body).toContain('data-user="bob"');
  });

  it('never leaves the instance: redirect_url is made absolute, and one with @ goes to the dashboard', async () => {
    const s = await session();
    expect((await s.login('alice', 'alice-password', 'https://evil.example/x')).location).toBe(`${double!.url}/https://evil.example/x`);
    const t = new HttpSession(double!.url);
    expect((await t.login('alice', 'alice-password', ':alice@evil.example')).location).toBe(`${double!.url}/index.php/apps/dashboard/`);
  });

  it('shows the login page again with "Wrong login or password." after a wrong password', async () => {
    const s = await session();
    const answer = await s.login('alice', 'wrong', '/index.php/apps/oidc/redirect');
    expect(answer.status).toBe(303);
    expect(answer.location).toBe(`${double!.url}/index.php/login?user=alice&direct=1&redirect_url=%2Findex.php%2Fapps%2Foidc%2Fredirect`);
    const page = await s.get(answer.location!);
    expect(initialState(page.body, 'core', 'loginErrors')).toEqual(['invalidpassword']);
    expect(initialState(page.body, 'core', 'loginUsername')).toBe('alice');
    expect(page.body).toContain('Wrong login or password.');
    // The message is shown once.
    expect(initialState((await s.get('/index.php/login')).body, 'core', 'loginErrors')).toEqual([]);
    expect([...double!.state.sessions.values()].some((x) => x.uid !== undefined)).toBe(false);
  });

  it('refuses a login POST without the session requesttoken', async () => {
    const s = await session();
    await s.get('/index.php/login');
    const answer = await s.postForm('/index.php/login', { user: 'alice', password: 'alice-password', requesttoken: 'forged' }, { Origin: double!.url });
    expect(answer.location).toContain('/index.php/login?user=alice&direct=1');
    expect(initialState((await s.get(answer.location!)).body, 'core', 'loginErrors')).toEqual(['csrfCheckFailed']);
    const fresh = new HttpSession(double!.url);
    const noCookie = await fresh.postForm('/index.php/login', { user: 'alice', password: 'alice-password', requesttoken: 'x' }, { Origin: double!.url });
    expect(noCookie.location).toContain('/index.php/login?');
  });

  it('needs the sameSite cookies with the session cookie, as core does', async () => {
    const s = await session();
    const page = await s.get('/index.php/login');
    const token = HttpSession.requestToken(page.body);
    const onlySession = `${double!.state.instanceId}=${s.jar.get(double!.state.instanceId)!}`;
    const answer = await s.postForm('/index.php/login', { user: 'alice', password: 'alice-password', requesttoken: token }, { Origin: double!.url, Cookie: onlySession });
    expect(answer.location).toContain('/index.php/login?');
  });

  it('from NC 34 silently shows the login page again for a POST without Origin', async () => {
    const s = await session({ nextcloud: 34 });
    const page = await s.get('/index.php/login');
    // So that a browser's POST carries a real Origin (core's layout says no-referrer, which sends Origin: null).
    expect(page.body).toContain('<meta name="referrer" content="same-origin">');
    const form = { user: 'alice', password: 'alice-password', requesttoken: HttpSession.requestToken(page.body) };
    const refused = await s.postForm('/index.php/login', form);
    expect(refused.status).toBe(303);
    expect(refused.location).toContain('/index.php/login?user=alice&direct=1');
    const again = await s.get(refused.location!);
    expect(initialState(again.body, 'core', 'loginErrors')).toEqual(['invalidOrigin']);
    expect(again.body).not.toMatch(/Wrong login or password\.<\/p>/);
    const foreign = await s.postForm('/index.php/login', { ...form, requesttoken: HttpSession.requestToken(again.body) }, { Origin: 'http://evil.example' });
    expect(foreign.location).toContain('/index.php/login?');
    const page2 = await s.get('/index.php/login');
    const accepted = await s.postForm('/index.php/login', { ...form, requesttoken: HttpSession.requestToken(page2.body) }, { Origin: double!.url });
    expect(accepted.location).toBe(`${double!.url}/index.php/apps/dashboard/`);
  });

  it('before NC 34 takes a login POST without Origin', async () => {
    const s = await session({ nextcloud: 33 });
    const page = await s.get('/index.php/login');
    const answer = await s.postForm('/index.php/login', { user: 'alice', password: 'alice-password', requesttoken: HttpSession.requestToken(page.body) });
    expect(answer.location).toBe(`${double!.url}/index.php/apps/dashboard/`);
  });

  it('asks a user for whom two-factor is enforced and who has backup codes for one of them, once each', async () => {
    const s = await session({ users: [{ uid: 'carol', password: 'carol-password', groups: ['nclab-2fa'] }] });
    // Backup codes alone ask for nothing (Manager::isTwoFactorAuthenticated leaves them out).
    const basic = `Basic ${Buffer.from('carol:carol-password').toString('base64')}`;
    const made = await fetch(`${double!.url}/index.php/apps/twofactor_backupcodes/settings/create`, { method: 'POST', headers: { Authorization: basic, 'OCS-APIRequest': 'true' } });
    expect(made.status).toBe(200);
    const { codes, state } = (await made.json()) as { codes: string[]; state: unknown };
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(/^[abcdefgijkmnopqrstwxyzABCDEFGHJKLMNPQRSTWXYZ23456789]{16}$/);
    expect(state).toEqual({ enabled: true, total: 10, used: 0 });
    expect((await fetch(`${double!.url}/index.php/apps/twofactor_backupcodes/settings/create`, { method: 'POST', headers: { Authorization: basic } })).status).toBe(412);
    expect((await new HttpSession(double!.url).login('carol', 'carol-password')).location).toBe(`${double!.url}/index.php/apps/dashboard/`);
    // Enforced for the user's group: the login needs the second factor.
    expect((await double!.occ(['twofactorauth:enforce', '--on', '--group', 'nclab-2fa'])).stdout).toBe('Two-factor authentication is enforced for members of the group(s) nclab-2fa\n');
    const answer = await s.login('carol', 'carol-password', '/index.php/apps/oidc/redirect');
    expect(answer.location).toBe(`${double!.url}/index.php/login/selectchallenge?redirect_url=%2Findex.php%2Fapps%2Foidc%2Fredirect`);
    const pending = [...double!.state.sessions.values()].filter((x) => x.uid === 'carol').at(-1)!;
    expect(pending.twoFactorPending).toBe(true);
    expect((await s.get('/index.php/apps/dashboard/')).location).toBe(`${double!.url}/index.php/login/selectchallenge?redirect_url=%2Findex.php%2Fapps%2Fdashboard%2F`);
    const select = await s.get(answer.location!);
    expect(select.body).toContain(`href="/index.php/login/challenge/backup_codes?redirect_url=%2Findex.php%2Fapps%2Foidc%2Fredirect">Use backup code</a>`);
    const challengePath = '/index.php/login/challenge/backup_codes?redirect_url=%2Findex.php%2Fapps%2Foidc%2Fredirect';
    expect((await s.get(challengePath)).body).toContain('<form method="POST" class="challenge-form">');
    const wrong = await s.postForm(challengePath, { challenge: 'not-a-code' });
    expect(wrong.location).toBe(`${double!.url}${challengePath}`);
    expect((await s.get(wrong.location!)).body).toContain('Error while validating your second factor');
    const right = await s.postForm(challengePath, { challenge: codes[0]! });
    expect(right.location).toBe(`${double!.url}/index.php/apps/oidc/redirect`);
    expect(pending.twoFactorPending).toBe(false);
    // A code works once.
    const again = new HttpSession(double!.url);
    await again.login('carol', 'carol-password');
    expect((await again.postForm(challengePath, { challenge: codes[0]! })).location).toBe(`${double!.url}${challengePath}`);
    expect((await again.postForm(challengePath, { challenge: codes[1]! })).location).toBe(`${double!.url}/index.php/apps/oidc/redirect`);
  });

  it('logs out with the requesttoken only', async () => {
    const s = await session();
    await s.login('alice', 'alice-password');
    const dashboard = await s.get('/index.php/apps/dashboard/');
    expect((await s.get('/index.php/logout')).status).toBe(412);
    const out = await s.get(`/index.php/logout?requesttoken=${encodeURIComponent(HttpSession.requestToken(dashboard.body))}`);
    expect(out.location).toBe(`${double!.url}/index.php/login?clear=1`);
    expect((await s.get('/index.php/apps/dashboard/')).location).toBe(`${double!.url}/index.php/login?redirect_url=%2Findex.php%2Fapps%2Fdashboard%2F`);
  });

  it('sends / to the login page or the dashboard', async () => {
    const s = await session();
    expect((await s.get('/')).location).toBe(`${double!.url}/index.php/login`);
    await s.login('alice', 'alice-password');
    expect((await s.get('/index.php')).location).toBe(`${double!.url}/index.php/apps/dashboard/`);
  });
});

describe('first run wizard', () => {
  it('covers the first logged-in pages while enabled, with its close button after the intro', async () => {
    const s = await session();
    await double!.occ(['app:enable', 'firstrunwizard']);
    await s.login('alice', 'alice-password');
    const page = await s.get('/index.php/apps/dashboard/');
    expect(page.body).toContain('id="firstrunwizard"');
    expect(page.body).toContain(`}, ${FIRST_RUN_WIZARD_CLOSE_DELAY_MS});`);
    expect(FIRST_RUN_WIZARD_CLOSE_DELAY_MS).toBe(5000);
    expect(page.body).not.toContain('aria-label="Close"');
    // Closing it (what the close button does) keeps it away.
    const closed = await s.send('/index.php/apps/firstrunwizard/wizard', { method: 'DELETE', headers: { requesttoken: HttpSession.requestToken(page.body) } });
    expect(closed.status).toBe(200);
    expect((await s.get('/index.php/apps/dashboard/')).body).not.toContain('id="firstrunwizard"');
  });

  it('is absent when the test setup disabled the app', async () => {
    const s = await session();
    await s.login('alice', 'alice-password');
    expect((await s.get('/index.php/apps/dashboard/')).body).not.toContain('id="firstrunwizard"');
  });
});
