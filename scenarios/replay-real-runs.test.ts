import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatMatrixDiff } from './matrix/diff-matrices.ts';
import { syntheticMatrix } from './matrix/synthetic-matrix.ts';
import { DEFAULT_REAL_RUNS_DIR, realRunsDir, REAL_RUNS_ENV } from './real-runs-dir.ts';
import { readRealRuns, replayGrep, replayOnDouble } from './replay-real-runs.ts';

/*
 * The double held to real Nextcloud: every recorded run of the tool against a real instance
 * (../shared/real-nextcloud/*.matrix.json beside the checkout, or $NC_OAUTH_LAB_REAL_RUNS) is replayed on
 * the double, same variants (Nextcloud major, oidc, user_oidc, patch, header mode) and same tests, through
 * the matrix machinery (runMatrix), and compared cell by cell with the comparison of `matrix diff` across
 * providers (diffMatrices): outcome, HTTP status, and the message of a failure or an HTTP error (the run's
 * nclab-<hex>- user prefix masked). Left out and counted: cells the real run skipped, interrupted, did not
 * run or errored on, and cells of a check whose app (the catalogue's `app`) was not installed there — in a
 * schemaVersion 2 file `variant.apps[app] === null`; a version 1 file has no app list, so a 404 that names
 * the app's own route (/apps/<app>/) or core's OCS "Invalid query" (OCS 998, no such route) counts as not
 * installed. New recordings are taken as they come: nothing here names a file or a variant.
 */

const dir = realRunsDir();
const runs = readRealRuns(dir);

describe('replay of the recorded real runs on the double', () => {
  if (runs.length === 0) {
    console.warn(`replay of the recorded real runs skipped: no *.matrix.json in ${dir} (set ${REAL_RUNS_ENV} to a folder of recorded runs)`);
    it.skip(`needs recorded runs of real Nextcloud (*.matrix.json) in ${dir}: set ${REAL_RUNS_ENV} to such a folder`, () => undefined);
    return;
  }

  it(`the double answers like real Nextcloud in every recorded cell (${runs.length} run(s) in ${dir})`, { timeout: 20 * 60_000 }, async () => {
    const replays = await replayOnDouble(runs, { workers: 2 });
    const disagreements: string[] = [];
    let leftOut = 0;
    for (const { run, diff } of replays) {
      const name = basename(run.path);
      leftOut += diff.leftOut.length;
      const lines = formatMatrixDiff(diff, { base: name, head: 'the double' });
      console.log(lines.filter((l) => !l.startsWith('Variants only in the double')).join('\n'));
      const differ = [...diff.fixed, ...diff.broken, ...diff.other];
      if (differ.length > 0 || diff.onlyInBase.length > 0) disagreements.push(...lines.filter((l) => l.startsWith('  ')).map((l) => `${name}: ${l.trim()}`), ...diff.onlyInBase.map((k) => `${name}: variant ${k} was not played by the double`));
    }
    console.log(`replay: ${replays.length} recorded run(s), ${leftOut} cell(s) left out (not measured on the real instance)`);
    expect(disagreements, `cells where the double and real Nextcloud disagree:\n${disagreements.join('\n')}`).toEqual([]);
  });
});

describe('the recorded runs', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-real-runs-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it(`are found in $${REAL_RUNS_ENV}, else in ../shared/real-nextcloud beside the checkout`, () => {
    expect(realRunsDir({ [REAL_RUNS_ENV]: tmp })).toBe(tmp);
    expect(realRunsDir({})).toBe(DEFAULT_REAL_RUNS_DIR);
    expect(DEFAULT_REAL_RUNS_DIR.endsWith(join('shared', 'real-nextcloud'))).toBe(true);
    expect(readRealRuns(join(tmp, 'absent'))).toEqual([]);
  });

  it('are the *.matrix.json files of real instances; a run of the double is refused', () => {
    const real = syntheticMatrix({ variants: [{ variant: { nextcloud: 32, oidc: '1.16.6', userOidc: '8.10.1', patch: 'none', ocsHeader: true }, provider: 'external' }] });
    writeFileSync(join(tmp, 'b.matrix.json'), JSON.stringify(real));
    writeFileSync(join(tmp, 'a.probe-jwt.json'), '{}');
    expect(readRealRuns(tmp).map((r) => basename(r.path))).toEqual(['b.matrix.json']);
    writeFileSync(join(tmp, 'c.matrix.json'), JSON.stringify(syntheticMatrix()));
    expect(() => readRealRuns(tmp)).toThrow(/c\.matrix\.json has variants of the double .*: a recorded run is of a real Nextcloud/);
    rmSync(join(tmp, 'c.matrix.json'));
  });

  it('select for the double exactly the tests that recorded a kept cell, anchored on describe and title', () => {
    const real = syntheticMatrix({
      variants: [{ variant: { nextcloud: 32, oidc: '1.16.6', userOidc: '8.10.1', patch: 'none', ocsHeader: true }, provider: 'external' }],
      tests: [
        { title: 'notes', line: 1, records: () => [['bearer.notes.get', false, { status: 401, message: 'CORS requires basic auth' }]] },
        { title: 'deck', line: 2, records: () => [['mcp.deck.roundtrip', false, { status: 404, message: 'deck_board_create: Nextcloud answered 404 to POST /index.php/apps/deck/api/v1.0/boards' }]] },
        { title: 'dcr delete', line: 3, declared: ['dcr.delete'], outcome: 'skipped' },
      ],
    });
    const grep = new RegExp(replayGrep([{ path: 'x.matrix.json', matrix: real }]));
    expect(grep.test('nc32-oidc1.16.6-uo8.10.1-none-hdr specs/matrix.list.ts notes')).toBe(true);
    expect(grep.test('nc32-oidc1.16.6-uo8.10.1-none-hdr specs/matrix.list.ts notes with OCS-APIRequest')).toBe(false);
    expect(grep.test('nc32-oidc1.16.6-uo8.10.1-none-hdr specs/matrix.list.ts deck')).toBe(false);
    expect(grep.test('nc32-oidc1.16.6-uo8.10.1-none-hdr specs/matrix.list.ts dcr delete')).toBe(false);
  });
});
