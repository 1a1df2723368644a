import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureCli, type CapturedCli } from './cli-test-kit.ts';
import { CHROMIUM_ENV } from '../harness/chromium-launch-options.ts';
import { variantKey } from '../scenarios/variant.ts';
import type { CommandContext } from './command.ts';
import { matrixSpecFromOptions } from './matrix-run-command.ts';

const run = (...argv: string[]): Promise<CapturedCli> => captureCli(argv);

function ctx(values: CommandContext['values']): CommandContext {
  return { values, positionals: [], out: () => undefined, err: () => undefined };
}

describe('nc-oauth-lab matrix: input checked before anything starts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-matrix-run-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [['--nextcloud', '36'], /--nextcloud: unknown Nextcloud major '36': use 31, 32, 33, 34, 35/],
    [['--oidc', '9.9.9'], /unknown oidc version '9\.9\.9'/],
    [['--user-oidc', '4.0.0'], /unknown user_oidc version '4\.0\.0'/],
    [['--nextcloud', '34', '--oidc', '1.10.0'], /oidc 1\.10\.0 installs on Nextcloud 30-32, not 34/],
    [['--patch', 'none,magic'], /--patch: unknown patch 'magic': use none, user_oidc-app-api, server-cors/],
    [['--ocs-header', 'maybe'], /--ocs-header takes on and\/or off, not 'maybe'/],
    [['--shard', '3/2'], /--shard must be i\/n with 1 <= i <= n/],
    [['--shard', 'half'], /--shard must be i\/n/],
    [['--workers', '0'], /--workers must be a whole number from 1 to 64/],
    [['--url', 'http://127.0.0.1:9'], /--url is for --provider external, not double/],
    [['--database', 'pgsql'], /--database is for --provider docker, not double/],
    [['--provider', 'external', '--occ', 'true'], /--provider external needs --url/],
    [['--progress', 'fancy'], /--progress must be one of list, line, dot, null/],
  ])('%j exits 2 with one line', async (args, message) => {
    const r = await run('matrix', ...args, '--out', join(dir, 'never'));
    expect(r.code).toBe(2);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(message);
    expect(r.out).toEqual([]);
  });

  it('exits 2 for an external Nextcloud that does not answer, naming the URL', async () => {
    const server = createServer((_req, res) => res.writeHead(503).end('down'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    process.env['NC_ADMIN_PASSWORD'] = 'not-used-admin-password';
    try {
      const r = await run('matrix', '--provider', 'external', '--url', url, '--occ', 'true');
      expect(r.code).toBe(2);
      expect(r.err.join('\n')).toMatch(new RegExp(`cannot reach Nextcloud at ${url.replace(/\./g, '\\.')}`));
      expect(r.err.join('\n')).not.toContain('not-used-admin-password');
    } finally {
      delete process.env['NC_ADMIN_PASSWORD'];
    }
  });

  it('reads an external instance before the run: its exact release names the variants (nc32.0.1-...)', async () => {
    // status.php of a Nextcloud 32.0.1, and an occ that lists the apps (no signature: the patch comes from --patch)
    const server = createServer((req, res) => {
      if (req.url === '/status.php') res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ installed: true, maintenance: false, needsDbUpgrade: false, version: '32.0.1.2', versionstring: '32.0.1', edition: '', productname: 'Nextcloud' }));
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const occ = join(dir, 'occ.mjs');
    writeFileSync(occ, `if (process.argv[2] === 'app:list') console.log(JSON.stringify({ enabled: { oidc: '1.16.6', user_oidc: '8.10.1', notes: '4.12.3' }, disabled: {} }));\n`);
    process.env['NC_ADMIN_PASSWORD'] = 'not-used-admin-password';
    try {
      const spec = await matrixSpecFromOptions(ctx({ provider: 'external', url, occ: `${JSON.stringify(process.execPath)} ${JSON.stringify(occ)}`, patch: 'none', 'ocs-header': 'on,off' }));
      expect(spec.variants.map(variantKey)).toEqual(['nc32.0.1-oidc1.16.6-uo8.10.1-none-hdr', 'nc32.0.1-oidc1.16.6-uo8.10.1-none-nohdr']);
      expect(spec.variants[0]).toMatchObject({ nextcloud: 32, nextcloudVersion: '32.0.1' });
    } finally {
      delete process.env['NC_ADMIN_PASSWORD'];
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('matrix merge exits 2 for an input without blob reports', async () => {
    mkdirSync(join(dir, 'empty'));
    const r = await run('matrix', 'merge', '--out', join(dir, 'merged'), join(dir, 'empty'));
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/holds no blob report/);
  });

  it('takes the version of a --user-oidc-src checkout for the docker variants', async () => {
    const checkout = join(dir, 'user_oidc');
    mkdirSync(join(checkout, 'appinfo'), { recursive: true });
    writeFileSync(join(checkout, 'appinfo', 'info.xml'), '<?xml version="1.0"?>\n<info><id>user_oidc</id><version>8.6.1</version></info>\n');
    const spec = await matrixSpecFromOptions(ctx({ provider: 'docker', nextcloud: '32', patch: 'none', 'ocs-header': 'on', 'user-oidc-src': checkout }));
    expect(spec.variants.map(variantKey)).toEqual(['nc32-oidc1.16.6-uo8.6.1-none-hdr']);
    expect(spec.docker).toEqual({ sources: { user_oidc: { kind: 'directory', path: checkout } } });
    // --user-oidc-src is short for --app-src user_oidc=DIR.
    const long = await matrixSpecFromOptions(ctx({ provider: 'docker', nextcloud: '32', patch: 'none', 'ocs-header': 'on', 'app-src': [`user_oidc=${checkout}`] }));
    expect(long).toEqual(spec);
    await expect(matrixSpecFromOptions(ctx({ provider: 'docker', 'user-oidc-src': join(dir, 'nope'), 'ocs-header': 'on' }))).rejects.toThrow(/has no appinfo\/info\.xml/);
    await expect(matrixSpecFromOptions(ctx({ provider: 'double', 'user-oidc-src': checkout, 'ocs-header': 'on' }))).rejects.toThrow(/--user-oidc-src is for --provider docker/);
    await expect(matrixSpecFromOptions(ctx({ provider: 'docker', 'ocs-header': 'on', 'app-src': [`oidc=${checkout}`] }))).rejects.toThrow(/is the app user_oidc, not oidc/);
  });

  it('--app pins or leaves out the extra apps, --app-src takes directories and git refs, --release-mirror a base URL', async () => {
    const spec = await matrixSpecFromOptions(
      ctx({
        provider: 'docker',
        nextcloud: '32',
        patch: 'none',
        'ocs-header': 'on',
        oidc: '1.16.5',
        app: ['notes@4.12.3', 'deck@none'],
        'app-src': ['tables=./some/tables', 'oidc=https://github.com/H2CK/oidc.git#refs/pull/600/head'],
        'release-mirror': 'http://mirror.example.test/apps',
      }),
    );
    expect(spec.variants.map(variantKey)).toEqual(['nc32-oidc1.16.5-uo8.10.1-none-hdr']);
    expect(spec.docker).toEqual({
      apps: { notes: '4.12.3', deck: null },
      sources: { tables: { kind: 'directory', path: join(process.cwd(), 'some/tables') }, oidc: { kind: 'git', url: 'https://github.com/H2CK/oidc.git', ref: 'refs/pull/600/head' } },
      releaseMirror: 'http://mirror.example.test/apps',
    });
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ app: ['notes'] }, /^--app takes APP@VERSION or APP@none/],
      [{ app: ['spreed@20.0.0'] }, /^--app: unknown app 'spreed': use one of notes, deck, tables, calendar, contacts$/],
      [{ app: ['oidc@1.16.6'] }, /^--app oidc@1\.16\.6: oidc versions are an axis of the matrix: use --oidc 1\.16\.6$/],
      [{ app: ['notes@latest'] }, /is not a release version like 1\.2\.3/],
      [{ app: ['notes@4.12.3'], nextcloud: '32,34' }, /^--app notes@4\.12\.3 does not install on Nextcloud 34 \(its appinfo\/info\.xml accepts 28-32\)/],
      [{ 'app-src': ['notes'] }, /^--app-src takes APP=DIR or APP=URL#REF/],
      [{ 'app-src': ['talk=./x'] }, /^--app-src: unknown app 'talk'/],
      [{ 'app-src': ['notes=./x'], app: ['notes@5.0.2'] }, /give one source for notes/],
      [{ 'app-src': ['user_oidc=https://github.com/nextcloud/user_oidc.git#main'] }, /also give --user-oidc VERSION, the version in that ref's appinfo\/info\.xml/],
      [{ 'release-mirror': 'mirror.example.test' }, /^--release-mirror 'mirror\.example\.test' is not an http\(s\) or file URL/],
    ];
    for (const [values, message] of bad) {
      await expect(matrixSpecFromOptions(ctx({ provider: 'docker', 'ocs-header': 'on', ...values } as CommandContext['values'])), JSON.stringify(values)).rejects.toThrow(message);
    }
    await expect(matrixSpecFromOptions(ctx({ provider: 'double', 'ocs-header': 'on', app: ['deck@none'] }))).rejects.toThrow(/^--app is for --provider docker, not double$/);
  });

  it('defaults to the 8 variants of the double with the newest apps per major', async () => {
    const spec = await matrixSpecFromOptions(ctx({ provider: 'double', 'ocs-header': 'on,off' }));
    expect(spec.provider).toBe('double');
    expect(spec.variants).toHaveLength(8);
    expect(new Set(spec.variants.map((v) => `${v.nextcloud} ${v.oidc} ${v.userOidc}`))).toEqual(new Set(['32 1.16.6 8.10.1', '34 2.0.9 8.10.1']));
  });
});

describe('nc-oauth-lab matrix: the browser preflight and the verdict', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-matrix-preflight-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const args = ['matrix', '--nextcloud', '34', '--patch', 'none', '--ocs-header', 'off', '--workers', '1', '--progress', 'null'];

  it('exits 2 in one line naming what it tried and what to do when no browser starts, and writes no report', { timeout: 60_000 }, async () => {
    const out = join(dir, 'no-browser');
    process.env[CHROMIUM_ENV] = '/bin/false';
    const started = Date.now();
    try {
      const r = await run(...args, '--out', out);
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(r.code).toBe(2);
      expect(r.err).toHaveLength(1);
      expect(r.err[0]).toMatch(/^nc-oauth-lab: no browser starts: tried NC_OAUTH_LAB_CHROMIUM=\/bin\/false \(.*\(exit code 1\)\)\. To fix it, install one: 'npx playwright install chromium'/);
      expect(r.out).toEqual([]);
      expect(existsSync(out)).toBe(false);
    } finally {
      delete process.env[CHROMIUM_ENV];
    }
  });

  it('prints the verdict once, on stdout, and the browser it found on stderr', { timeout: 180_000 }, async () => {
    const out = join(dir, 'run');
    const r = await run(...args, '--grep', 'discovery document', '--out', out);
    expect(r.code, [...r.err, ...r.out].join('\n')).toBe(0);
    expect(r.err[0]).toMatch(/^nc-oauth-lab matrix: browser: /);
    expect(r.out.filter((l) => l.includes('every cell as expected'))).toEqual(['nc-oauth-lab matrix: every cell as expected']);
    expect(r.err.join('\n')).not.toMatch(/every cell as expected|\d+ cells, /);
    expect(existsSync(join(out, 'matrix.json'))).toBe(true);
  });
});
