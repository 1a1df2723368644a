import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OCC_ENDPOINT_PATH, type OccResult } from '../double/index.ts';
import { splitCommandLine } from '../harness/index.ts';
import { readMatrixFile } from '../scenarios/index.ts';
import { runNode, type NodeRun } from './cli-test-kit.ts';

/*
 * The external provider end to end, with no real Nextcloud: the Nextcloud double started as its own process
 * (`nc-oauth-lab double`), and `--provider external --occ "nc-oauth-lab double occ --url URL"` driving it as
 * it drives a real instance. After a probe, a normal matrix run, a matrix run whose preparation fails
 * half-way (a user create that fails after the user exists, as real Nextcloud 34 did) and a matrix run
 * interrupted by SIGINT in the middle of a browser login, the double's users and settings (app config and
 * system config, read through its occ) are exactly as before. Every CLI run is its own process group, and
 * gets its SIGINT as a terminal's Ctrl-C would send it.
 */

const BIN = fileURLToPath(new URL('../bin/nc-oauth-lab.js', import.meta.url));
const ADMIN = { uid: 'admin', password: 'admin-password' };
const ENV = { NC_ADMIN_PASSWORD: ADMIN.password, CI: '', FORCE_COLOR: '0' };

interface DoubleProcess {
  url: string;
  child: ChildProcess;
}

/** Starts `nc-oauth-lab double` in its own process group on a free loopback port. */
async function startDoubleProcess(args: string[]): Promise<DoubleProcess> {
  const child = spawn(process.execPath, [BIN, 'double', '--port', '0', ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...ENV } });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the double did not start: ${out}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m && out.includes('Press Ctrl-C to stop.')) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.stderr!.on('data', (d: Buffer) => void (out += d.toString()));
    child.once('exit', () => reject(new Error(`the double exited: ${out}`)));
  });
  return { url, child };
}

async function stopDoubleProcess(d: DoubleProcess | undefined): Promise<void> {
  if (!d || d.child.exitCode !== null) return;
  const exited = new Promise((r) => d.child.once('exit', r));
  d.child.kill('SIGTERM');
  await exited;
}

/** occ on the double through its endpoint, as `nc-oauth-lab double occ` does. */
async function occ(url: string, args: string[], auth = ADMIN): Promise<{ status: number; body: OccResult & { error?: string } }> {
  const response = await fetch(`${url}${OCC_ENDPOINT_PATH}`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(`${auth.uid}:${auth.password}`).toString('base64')}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ args }),
  });
  return { status: response.status, body: (await response.json()) as OccResult & { error?: string } };
}

/** The double's users and settings, read through occ: what a run must leave as it found it. */
async function snapshot(url: string): Promise<{ users: unknown; config: unknown }> {
  const users = await occ(url, ['user:list', '--output=json']);
  const config = await occ(url, ['config:list', '--private', '--output=json']);
  expect(users.body.exitCode).toBe(0);
  expect(config.body.exitCode).toBe(0);
  return { users: JSON.parse(users.body.stdout), config: JSON.parse(config.body.stdout) };
}

/** Runs the CLI in its own process group; `onStderr` may send it signals as a terminal would (to the group). */
function runCli(args: string[], onStderr?: (text: string, child: ChildProcess) => void, timeoutMs = 240_000): Promise<NodeRun> {
  return runNode([BIN, ...args], { detached: true, env: ENV, timeoutMs, ...(onStderr ? { onStderr } : {}) });
}

/** `--occ` for the double at `url`: this checkout's CLI, as a user would give `nc-oauth-lab double occ`. */
const occLine = (url: string): string => `'${process.execPath}' '${BIN}' double occ --url ${url}`;

const external = (url: string, out: string, extra: string[]): string[] => [
  'matrix', '--provider', 'external', '--url', url, '--occ', occLine(url), '--protections-off', '--patch', 'none', '--ocs-header', 'off', '--out', out, ...extra,
];

describe('the double occ endpoint', () => {
  let double: DoubleProcess | undefined;
  beforeAll(async () => {
    double = await startDoubleProcess(['--nextcloud', '34']);
  }, 60_000);
  afterAll(() => stopDoubleProcess(double));

  it('runs occ for an admin of the double only, and nc-oauth-lab double occ passes its words and exit code through', async () => {
    const url = double!.url;
    expect((await occ(url, ['status'], { uid: 'alice', password: 'alice-password' })).status).toBe(401);
    expect((await occ(url, ['status'], { uid: 'admin', password: 'wrong' })).status).toBe(401);
    const run = await runCli(['double', 'occ', '--url', url, 'config:system:set', 'nclab_test', '--value=7', '--type=integer']);
    expect(run.code, run.stderr).toBe(0);
    expect((await occ(url, ['config:system:get', 'nclab_test', '--output=json'])).body.stdout).toBe('7\n');
    const missing = await runCli(['double', 'occ', '--url', url, 'no:such:command']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Command "no:such:command" is not defined.');
    expect((await occ(url, ['config:system:delete', 'nclab_test'])).body.exitCode).toBe(0);
  }, 60_000);
});

describe('--provider external against the double as its own process', () => {
  let dir: string;
  let double: DoubleProcess | undefined;
  let faulty: DoubleProcess | undefined;
  let slow: DoubleProcess | undefined;
  let before: Awaited<ReturnType<typeof snapshot>>;
  let faultyBefore: Awaited<ReturnType<typeof snapshot>>;
  let slowBefore: Awaited<ReturnType<typeof snapshot>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-external-'));
    [double, faulty, slow] = await Promise.all([
      startDoubleProcess(['--nextcloud', '34']),
      startDoubleProcess(['--nextcloud', '34', '--fault', 'user-create-fails-after-create']),
      // occ as slow as real occ: the third Ctrl-C surely comes while the cleanup's occ calls run
      startDoubleProcess(['--nextcloud', '34', '--fault', 'slow-occ']),
    ]);
    for (const d of [double, faulty, slow]) {
      // The admin's own settings, which a run changes and must put back: DCR off, brute-force protection on.
      await occ(d.url, ['config:app:set', 'oidc', 'dynamic_client_registration', '--value=false']);
      await occ(d.url, ['config:system:set', 'auth.bruteforce.protection.enabled', '--value=true', '--type=boolean']);
    }
    before = await snapshot(double.url);
    faultyBefore = await snapshot(faulty.url);
    slowBefore = await snapshot(slow.url);
  }, 90_000);
  afterAll(async () => {
    await Promise.all([stopDoubleProcess(double), stopDoubleProcess(faulty), stopDoubleProcess(slow)]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('probe: the bearer table through the external path, and the double as before', async () => {
    const url = double!.url;
    const run = await runCli(['probe', '--provider', 'external', '--url', url, '--occ', occLine(url), '--protections-off']);
    expect(run.stdout, run.stderr).toMatch(/^variant {4}Nextcloud 34\.0\.1, oidc 2\.0\.9, user_oidc 8\.10\.1, patch /m);
    expect(run.stdout).toMatch(/^all \d+ rows as the facts page says$/m);
    expect(run.stdout).toMatch(/^note: this ran against the Nextcloud double/m);
    expect(run.code).toBe(0);
    expect(await snapshot(url)).toEqual(before);
  }, 120_000);

  it('matrix: a normal run is as expected, and the double as before', async () => {
    const url = double!.url;
    const run = await runCli(external(url, join(dir, 'normal'), ['--grep', 'discovery document|browser login without consent', '--progress', 'null']));
    expect(run.stdout, run.stderr).toContain('nc-oauth-lab matrix: every cell as expected');
    expect(run.code).toBe(0);
    const m = readMatrixFile(join(dir, 'normal', 'matrix.json'));
    expect(m.variants.map((v) => v.provider)).toEqual(['external']);
    expect(m.cells.find((c) => c.check === 'login.browser.no-consent')?.classification).toBe('pass');
    expect(await snapshot(url)).toEqual(before);
  }, 240_000);

  it('matrix: a preparation that fails half-way (the user create answers OCS 500/996 after the user exists) leaves no user and no setting behind', async () => {
    const url = faulty!.url;
    const run = await runCli(external(url, join(dir, 'faulty'), ['--grep', 'discovery document', '--progress', 'null']));
    expect(run.code).toBe(1);
    const m = readMatrixFile(join(dir, 'faulty', 'matrix.json'));
    const cell = m.cells.find((c) => c.check === 'discovery.openid-configuration')!;
    expect(cell.classification).toBe('error');
    expect(cell.observed.error).toMatch(/creating test user nclab-[0-9a-f]{6}-alice failed: OCS 500\/996 Internal Server Error/);
    const after = await snapshot(url);
    expect(Object.keys(after.users as object).filter((u) => u.startsWith('nclab-'))).toEqual([]);
    expect(after).toEqual(faultyBefore);
  }, 240_000);

  it('matrix: SIGINT in the middle of a browser login: interrupted after N of M tests, no fail caused by it, exit 130, the double as before', async () => {
    const url = double!.url;
    let sent = false;
    const run = await runCli(external(url, join(dir, 'interrupted'), ['--grep', 'discovery document|browser login', '--progress', 'line']), (stderr, child) => {
      // The line reporter prints a test's title when it begins: the browser login is then under way.
      if (!sent && /browser login without consent/.test(stderr)) {
        sent = true;
        setTimeout(() => process.kill(-child.pid!, 'SIGINT'), 300);
      }
    });
    expect(sent, run.stderr).toBe(true);
    expect(run.stdout, run.stderr).toMatch(/^nc-oauth-lab matrix: FAILED: interrupted after \d+ of 3 tests \(SIGINT\)$/m);
    expect(run.stderr).toContain(`nc-oauth-lab matrix: SIGINT: stopping the run; cleaning up the test users and changed settings on ${url}`);
    expect(run.code).toBe(130);
    const m = readMatrixFile(join(dir, 'interrupted', 'matrix.json'));
    expect(m.status).toBe('interrupted');
    expect(m.interruption).toMatchObject({ reason: 'SIGINT', testsTotal: 3 });
    const cls = Object.fromEntries(m.cells.map((c) => [c.check, c.classification]));
    expect(cls).toEqual({ 'discovery.openid-configuration': 'pass', 'discovery.pkce-advertised': 'pass', 'login.browser.no-consent': 'interrupted', 'login.browser.consent': 'not-run' });
    expect(readFileSync(join(dir, 'interrupted', 'matrix.md'), 'utf8')).toContain('**interrupted after 1 of 3 tests (SIGINT)**');
    expect(readFileSync(join(dir, 'interrupted', 'matrix.html'), 'utf8')).toContain('interrupted after 1 of 3 tests (SIGINT)');
    expect(await snapshot(url)).toEqual(before);
  }, 240_000);

  it('matrix: SIGINT while the worker prepares the instance: the preparation ends, then everything is undone', async () => {
    const url = double!.url;
    let sent = false;
    const out = join(dir, 'preparing');
    const child = spawn(process.execPath, [BIN, ...external(url, out, ['--grep', 'discovery document', '--progress', 'null'])], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...ENV } });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => void (stderr += d.toString()));
    const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    // The first test user appears half-way through the preparation (after the settings, before the second user).
    for (let i = 0; i < 600 && !sent && child.exitCode === null; i++) {
      const users = JSON.parse((await occ(url, ['user:list', '--output=json'])).body.stdout) as Record<string, string>;
      if (Object.keys(users).some((u) => u.startsWith('nclab-'))) {
        sent = true;
        process.kill(-child.pid!, 'SIGINT');
      } else await new Promise((r) => setTimeout(r, 100));
    }
    const code = await closed;
    expect(sent, stderr).toBe(true);
    expect(code, stderr).toBe(130);
    expect(readMatrixFile(join(out, 'matrix.json')).interruption).toMatchObject({ reason: 'SIGINT', testsRun: 0, testsTotal: 1 });
    expect(await snapshot(url)).toEqual(before);
  }, 240_000);

  it('matrix: a second Ctrl-C during the cleanup does not cut it short; a third lists exactly what was left, and undoing that by hand restores the double', async () => {
    const url = slow!.url;
    const sent: string[] = [];
    const run = await runCli(external(url, join(dir, 'abandoned'), ['--grep', 'discovery document|browser login', '--progress', 'line']), (stderr, child) => {
      const ctrlC = (why: string, ms: number): void => {
        sent.push(why);
        setTimeout(() => process.kill(-child.pid!, 'SIGINT'), ms);
      };
      if (sent.length === 0 && /browser login without consent/.test(stderr)) ctrlC('during the login', 300);
      else if (sent.length === 1 && stderr.includes('SIGINT: stopping the run')) ctrlC('during the cleanup', 200);
      else if (sent.length === 2 && stderr.includes('press Ctrl-C again to leave')) ctrlC('to leave it behind', 300);
    });
    expect(sent, run.stderr).toEqual(['during the login', 'during the cleanup', 'to leave it behind']);
    expect(run.stderr).toContain(`nc-oauth-lab matrix: cleaning up, press Ctrl-C again to leave the test users and changed settings on ${url} behind`);
    expect(run.code).toBe(130);
    const lines = run.stdout.split('\n');
    const head = lines.findIndex((l) => l === `nc-oauth-lab matrix: left behind on Nextcloud at ${url} (external) (undo by hand, in this order):`);
    expect(head, run.stdout).toBeGreaterThanOrEqual(0);
    const undo = lines.slice(head + 1).map((l) => /^nc-oauth-lab matrix: {3}(.+?): (.+)$/.exec(l)).filter((m) => m !== null);
    expect(undo.length, run.stdout).toBeGreaterThan(0);
    const prefix = `${occLine(url)} `;
    for (const [, what, command] of undo) {
      expect(command!.startsWith(prefix), `${what}: ${command}`).toBe(true);
      await occ(url, splitCommandLine(command!.slice(prefix.length)));
    }
    expect(await snapshot(url)).toEqual(slowBefore);
  }, 400_000);
});
