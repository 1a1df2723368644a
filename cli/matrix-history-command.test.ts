import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureCli, type CapturedCli } from './cli-test-kit.ts';
import { syntheticMatrix } from '../scenarios/matrix/synthetic-matrix.ts';

const run = (...argv: string[]): Promise<CapturedCli> => captureCli(argv);

describe('nc-oauth-lab matrix history', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-history-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const v = { variant: { nextcloud: 32, oidc: '1.16.6', userOidc: '8.10.1', patch: 'none', ocsHeader: false }, provider: 'double' } as const;
  const write = (folder: string, date: string, userinfoPasses: boolean): string => {
    const matrix = syntheticMatrix({ variants: [v], tests: [{ title: 't', line: 1, records: () => [['oauth.userinfo', userinfoPasses, { status: userinfoPasses ? 200 : 500 }]] }] });
    mkdirSync(join(dir, folder), { recursive: true });
    writeFileSync(join(dir, folder, 'matrix.json'), JSON.stringify({ ...matrix, generatedAt: date }));
    return join(dir, folder);
  };
  // nightly artifacts as downloaded: one folder per run, any order
  write('nightly/run-3/matrix', '2026-11-03T02:00:00.000Z', true);
  write('nightly/run-1/matrix', '2026-11-01T02:00:00.000Z', true);
  const second = write('nightly/run-2/matrix', '2026-11-02T02:00:00.000Z', false);
  // a report folder's own subfolders (a bisect's steps/) are not other runs
  write('nightly/run-2/matrix/steps/nc32', '2026-11-02T01:00:00.000Z', true);

  it('reads a folder of runs and a file given again, and writes history.html and history.json', async () => {
    const out = join(dir, 'out');
    const r = await run('matrix', 'history', join(dir, 'nightly'), join(second, 'matrix.json'), '--out', out);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out[0]).toBe('matrix history: 3 runs from 2026-11-01T02:00:00.000Z to 2026-11-03T02:00:00.000Z, 1 cells: 0 red now, 1 green again, 0 flaky');
    expect(r.out.some((l) => l.startsWith('  green again since run 3 (2026-11-03T02:00:00.000Z): oauth.userinfo on nc32-oidc1.16.6-uo8.10.1-none-nohdr'))).toBe(true);
    const json = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8')) as { runs: unknown[]; rows: { episodes: unknown }[] };
    expect(json.runs).toHaveLength(3);
    expect(json.rows[0]!.episodes).toEqual([{ redAt: 1, greenAt: 2 }]);
    expect(readFileSync(join(out, 'history.html'), 'utf8')).toContain('<h1>nc-oauth-lab matrix history</h1>');
  });

  it('reads matrix.json of schema version 1 (the recorded real runs) beside version 2', async () => {
    const old = syntheticMatrix({ variants: [v], tests: [{ title: 't', line: 1, records: () => [['oauth.userinfo', false, { status: 500 }]] }] });
    const counts = Object.fromEntries(Object.entries(old.summary.counts).filter(([c]) => !['wrong-reason', 'interrupted', 'not-run'].includes(c)));
    mkdirSync(join(dir, 'v1'));
    writeFileSync(join(dir, 'v1', 'nc32.0.1-real.matrix.json'), JSON.stringify({ ...old, schemaVersion: 1, generatedAt: '2026-10-31T00:00:00.000Z', summary: { ...old.summary, counts } }));
    const r = await run('matrix', 'history', join(dir, 'v1'), join(dir, 'nightly'), '--out', join(dir, 'out-v1'));
    expect(r.code).toBe(0);
    // red (v1), green, red, green: three changes, flaky
    expect(r.out[0]).toBe('matrix history: 4 runs from 2026-10-31T00:00:00.000Z to 2026-11-03T02:00:00.000Z, 1 cells: 0 red now, 1 green again, 1 flaky');
    expect(r.out).toContain('  green again since run 4 (2026-11-03T02:00:00.000Z): oauth.userinfo on nc32-oidc1.16.6-uo8.10.1-none-nohdr (red from run 3 (2026-11-02T02:00:00.000Z)) (flaky: 3 changes)');
  });

  it('refuses no input, a missing input, a folder without matrix.json and an invalid file (exit 2)', async () => {
    expect((await run('matrix', 'history')).code).toBe(2);
    const missing = await run('matrix', 'history', join(dir, 'nope'));
    expect([missing.code, missing.err[0]]).toEqual([2, `nc-oauth-lab: ${join(dir, 'nope')} does not exist: give matrix.json files or folders that hold them`]);
    mkdirSync(join(dir, 'empty'));
    expect((await run('matrix', 'history', join(dir, 'empty'))).err[0]).toMatch(/holds no matrix.json/);
    writeFileSync(join(dir, 'bad.json'), '{"schemaVersion": 9}');
    const bad = await run('matrix', 'history', join(dir, 'bad.json'));
    expect([bad.code, bad.err[0]]).toEqual([2, expect.stringMatching(/has schemaVersion 9/)]);
  });
});
