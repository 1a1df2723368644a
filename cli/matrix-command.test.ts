import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureCli, type CapturedCli } from './cli-test-kit.ts';
import { syntheticMatrix } from '../scenarios/matrix/synthetic-matrix.ts';

const run = (...argv: string[]): Promise<CapturedCli> => captureCli(argv);

describe('nc-oauth-lab matrix diff', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-matrix-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, data: unknown): string => {
    writeFileSync(join(dir, name), typeof data === 'string' ? data : JSON.stringify(data));
    return join(dir, name);
  };
  const v = { nextcloud: 32, oidc: '1.16.6', userOidc: '8.10.1', patch: 'none', ocsHeader: false } as const;
  const base = file('base.json', syntheticMatrix({ variants: [{ variant: v, provider: 'double' }], tests: [{ title: 't', line: 1, records: () => [['oauth.userinfo', false, { status: 500 }], ['bearer.ocs.user', true, { status: 200 }]] }] }));
  const head = file('head.json', syntheticMatrix({ variants: [{ variant: v, provider: 'double' }], tests: [{ title: 't', line: 1, records: () => [['oauth.userinfo', true, { status: 200 }], ['bearer.ocs.user', false, { status: 401 }]] }] }));

  it('lists fixed and broken cells and exits 0', async () => {
    const r = await run('matrix', 'diff', base, head);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out).toEqual([
      `matrix diff ${base} -> ${head}: 1 fixed, 1 broken, 0 other, 0 unchanged`,
      '',
      'Fixed (fail -> pass):',
      '  oauth.userinfo  nc32-oidc1.16.6-uo8.10.1-none-nohdr  unexpected-fail (failed 500) -> pass (passed 200)',
      '',
      'Broken (pass -> fail):',
      '  bearer.ocs.user  nc32-oidc1.16.6-uo8.10.1-none-nohdr  pass (passed 200) -> unexpected-fail (failed 401)',
    ]);
  });

  it('prints JSON and Markdown, and accepts --ignore', async () => {
    const json = await run('matrix', 'diff', '--format', 'json', base, head);
    expect(JSON.parse(json.out.join('\n'))).toMatchObject({ fixed: [{ check: 'oauth.userinfo' }], broken: [{ check: 'bearer.ocs.user' }], other: [], unchanged: 0 });
    const md = await run('matrix', 'diff', '--format', 'markdown', '--ignore', 'patch', base, head);
    expect(md.code).toBe(0);
    expect(md.out.join('\n')).toContain('#### Broken (pass → fail)');
  });

  it('fails with one line and exit 2 on bad input', async () => {
    const other = file('v9.json', { ...JSON.parse(JSON.stringify(syntheticMatrix())), schemaVersion: 9 });
    const cases: [string[], RegExp][] = [
      [[base], /^nc-oauth-lab: matrix diff needs two files, <base\.json> <head\.json>, not 1/],
      [[base, join(dir, 'nope.json')], /^nc-oauth-lab: cannot read .*nope\.json \(ENOENT\)/],
      [[base, file('garbage.json', 'garbage')], /^nc-oauth-lab: .*garbage\.json is not JSON/],
      [[base, other], /^nc-oauth-lab: .*v9\.json has schemaVersion 9, this nc-oauth-lab reads 1/],
      [['--ignore', 'colour', base, head], /^nc-oauth-lab: --ignore must be one of nextcloud, oidc, user-oidc, patch, ocs-header, not 'colour'/],
      [['--format', 'xml', base, head], /--format must be one of text, markdown, json/],
    ];
    for (const [args, message] of cases) {
      const r = await run('matrix', 'diff', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toHaveLength(1);
      expect(r.err[0]).toMatch(message);
      expect(r.out).toEqual([]);
    }
  });

  it('is listed in matrix --help', async () => {
    const r = await run('matrix', '--help');
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toMatch(/\n {2}diff +List the matrix cells that changed between two matrix\.json files/);
  });
});
