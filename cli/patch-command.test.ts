import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './command.ts';
import { rootCommand } from './commands.ts';

const FIXTURES = new URL('../patches/fixtures/', import.meta.url).pathname;
const HAS_PHP = spawnSync('php', ['--version'], { stdio: 'ignore' }).status === 0;
const BACKEND = 'lib/User/Backend.php';
const scratch: string[] = [];

afterAll(async () => {
  await Promise.all(scratch.map((d) => rm(d, { recursive: true, force: true })));
});

async function copyFixture(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `nc-oauth-lab-cli-${name}-`));
  scratch.push(dir);
  await cp(join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

/** Runs `nc-oauth-lab patch ...`; output with the target directory replaced by `<target>`. */
async function cli(args: string[], target?: string): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(rootCommand, ['patch', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
  const clean = (lines: string[]): string => (target ? lines.join('\n').replaceAll(target, '<target>') : lines.join('\n'));
  return { code, out: clean(out), err: clean(err) };
}

const PHP_LINE = HAS_PHP ? expect.stringMatching(/^php -l: passed \(PHP \d+\.\d+\.\d+\)$/) : 'php -l: skipped: php not found (php)';

describe('nc-oauth-lab patch', () => {
  it('list: a table of ids, components, versions, upstream PRs and side effects', async () => {
    const r = await cli(['list']);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^ID +COMPONENT +VERSIONS +UPSTREAM +SIDE EFFECTS$/);
    expect(lines[1]).toMatch(/^user_oidc-app-api +user_oidc +>= 7\.0\.0 +nextcloud\/user_oidc#1221 \(open\) +core skips two-factor authentication for a session with app_api === true/);
    expect(lines[2]).toMatch(/^server-cors +Nextcloud +>= 31\.0\.0 +nextcloud\/server#55878 \(open\) +any request with an Authorization: Bearer header skips the CSRF check/);
    expect(r.out).toContain('changes checks: bearer.notes.get, bearer.notes.post; https://github.com/nextcloud/user_oidc/pull/1221');
  });

  it('apply --dry-run shows the edits and writes nothing; apply writes; check tells 3 then 0; a second apply changes nothing', async () => {
    const dir = await copyFixture('user_oidc-7.3');
    const original = await readFile(join(dir, BACKEND), 'utf8');
    const mtime = (await stat(join(dir, BACKEND))).mtimeMs;
    const head = (verb: string): string => `user_oidc-app-api: ${verb} 4 edits to lib/User/Backend.php of user_oidc 7.3.0 in <target>`;
    const editLines = [
      '  line 28: inserted before `return $oidcProviderUserId;` (original line 28)',
      "  line 46: inserted after `$this->session->set('last-password-confirm', …);` (original line 44)",
      "  line 50: inserted after `$this->session->set('last-password-confirm', …);` (original line 47)",
      "  line 57: inserted after `$this->session->set('last-password-confirm', …);` (original line 53)",
    ];

    const dry = await cli(['apply', '--patch', 'user_oidc-app-api', '--target', dir, '--dry-run'], dir);
    expect(dry.code).toBe(0);
    expect(dry.out.split('\n')).toEqual([head('would apply'), ...editLines, PHP_LINE, 'dry run: nothing written']);
    expect(await readFile(join(dir, BACKEND), 'utf8')).toBe(original);
    expect((await stat(join(dir, BACKEND))).mtimeMs).toBe(mtime);

    const before = await cli(['check', '--patch', 'user_oidc-app-api', '--target', dir], dir);
    expect(before).toEqual({
      code: 3,
      out: "user_oidc-app-api: not applied to lib/User/Backend.php of user_oidc 7.3.0 in <target> (0 of 4 anchors patched): run 'nc-oauth-lab patch apply --patch user_oidc-app-api --target <target>'",
      err: '',
    });

    const apply = await cli(['apply', '--patch', 'user_oidc-app-api', '--target', dir], dir);
    expect(apply.code).toBe(0);
    expect(apply.out.split('\n')).toEqual([head('applied'), ...editLines, PHP_LINE, 'wrote lib/User/Backend.php']);
    const patched = await readFile(join(dir, BACKEND), 'utf8');
    expect(patched.split("$this->session->set('app_api', true);")).toHaveLength(5);

    expect(await cli(['check', '--patch', 'user_oidc-app-api', '--target', dir], dir)).toEqual({
      code: 0, out: 'user_oidc-app-api: applied to lib/User/Backend.php of user_oidc 7.3.0 in <target> (4 of 4 anchors patched)', err: '',
    });
    expect(await cli(['apply', '--patch', 'user_oidc-app-api', '--target', dir], dir)).toEqual({
      code: 0, out: 'user_oidc-app-api: already applied to lib/User/Backend.php of user_oidc 7.3.0 in <target> (4 of 4 anchors patched): no change', err: '',
    });
    expect(await readFile(join(dir, BACKEND), 'utf8')).toBe(patched);
  });

  it('a partially patched file: check exits 3, apply completes it', async () => {
    const dir = await copyFixture('user_oidc-8.10-partial');
    const check = await cli(['check', '--patch', 'user_oidc-app-api', '--target', dir], dir);
    expect(check.code).toBe(3);
    expect(check.out).toMatch(/^user_oidc-app-api: partially applied to lib\/User\/Backend\.php of user_oidc 8\.10\.1 in <target> \(2 of 4 anchors patched\)/);
    const apply = await cli(['apply', '--patch', 'user_oidc-app-api', '--target', dir], dir);
    expect(apply.out.split('\n')[0]).toBe('user_oidc-app-api: applied 2 edits to lib/User/Backend.php of user_oidc 8.10.1 in <target> (2 of 4 anchors were already patched)');
    expect((await cli(['check', '--patch', 'user_oidc-app-api', '--target', dir])).code).toBe(0);
  });

  it('render prints the diff (the expected file, byte for byte, CRLF included) and writes nothing', async () => {
    for (const [patch, fixture] of [['user_oidc-app-api', 'user_oidc-7.5-crlf'], ['server-cors', 'server-32']] as const) {
      const dir = await copyFixture(fixture);
      const r = await cli(['render', '--patch', patch, '--target', dir]);
      expect(r.code).toBe(0);
      expect(`${r.out}\n`).toBe(await readFile(join(FIXTURES, 'expected', `${fixture}.diff`), 'utf8'));
    }
    const done = await copyFixture('server-32-patched');
    expect(await cli(['render', '--patch', 'server-cors', '--target', done], done)).toEqual({
      code: 0, out: '',
      err: 'server-cors: already applied to lib/private/AppFramework/Middleware/Security/CORSMiddleware.php of Nextcloud 32.0.1 in <target> (1 of 1 anchor patched): nothing to render',
    });
  });

  it('bad input: one-line errors with exit code 2, nothing written', async () => {
    const changed = await copyFixture('user_oidc-8.11-changed');
    const changedText = await readFile(join(changed, BACKEND), 'utf8');
    const cases: [string[], string][] = [
      [['apply', '--patch', 'nope', '--target', FIXTURES], "nc-oauth-lab patch apply: --patch must be one of user_oidc-app-api, server-cors, not 'nope'"],
      [['apply', '--patch', 'user_oidc-app-api'], 'nc-oauth-lab: --target is required'],
      [['check', '--patch', 'server-cors', '--target', '/nonexistent/nextcloud'], 'nc-oauth-lab: target directory /nonexistent/nextcloud does not exist'],
      [['apply', '--patch', 'user_oidc-app-api', '--target', changed], 'nc-oauth-lab: user_oidc 8.11.0: no `return $oidcProviderUserId;` in Backend::getCurrentUserId(): the upstream code changed; update the patch'],
      [['check', '--patch', 'user_oidc-app-api', '--target', changed], 'nc-oauth-lab: user_oidc 8.11.0: no `return $oidcProviderUserId;` in Backend::getCurrentUserId(): the upstream code changed; update the patch'],
      [['apply', '--patch', 'user_oidc-app-api', '--target', join(FIXTURES, 'user_oidc-6.4')], 'nc-oauth-lab: user_oidc-app-api is not applicable to user_oidc 6.4.0: user_oidc before 7.0.0 has no bearer validation through the oidc app (no $oidcProviderUserId path): there is nothing to patch and the patch is not needed (it applies to user_oidc >= 7.0.0)'],
      [['render', '--patch', 'server-cors', '--target', join(FIXTURES, 'server-36-changed')], 'nc-oauth-lab: Nextcloud 36.0.0: no `if ($this->request->passesCSRFCheck())` in CORSMiddleware::beforeController(): the upstream code changed; update the patch'],
      [['apply', '--patch', 'user_oidc-app-api', '--target', join(FIXTURES, 'notes-app')], `nc-oauth-lab: ${join(FIXTURES, 'notes-app')} is the 'notes' app, not user_oidc: --target must be the user_oidc app directory`],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect({ args, code: r.code, out: r.out, err: r.err }).toEqual({ args, code: 2, out: '', err: message });
    }
    expect(await readFile(join(changed, BACKEND), 'utf8')).toBe(changedText);
  });

  it('--help of the group lists the four commands', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Commands:\n {2}list +List the companion patches.*\n {2}apply +.*\n {2}render +.*\n {2}check +/);
  });
});
