import { describe, expect, it } from 'vitest';
import { bisectReleases, BisectError, type BisectCandidate, type BisectRunner, type StepRun } from './bisect-releases.ts';
import type { Classification } from './classify-cell.ts';
import type { MatrixCell } from './matrix-schema.ts';

type Seen = 'P' | 'F' | Classification;

function cell(version: string, seen: Seen): MatrixCell {
  const classification: Classification = seen === 'P' ? 'pass' : seen === 'F' ? 'unexpected-fail' : seen;
  const outcome = seen === 'P' ? 'passed' : seen === 'F' ? 'failed' : classification === 'error' ? 'error' : classification === 'skipped' ? 'skipped' : 'passed';
  return {
    check: 'discovery.pkce-advertised',
    variant: `nc32-oidc${version}-uo8.10.1-none-hdr`,
    classification,
    observed: { outcome, tests: [], ...(seen === 'F' ? { status: 200, message: 'no code_challenge_methods_supported' } : {}) },
    expected: { outcome: 'pass', reasons: [] },
    links: [],
  };
}

/** A fake runner over a sequence of outcomes; it records which releases ran. */
function fake(sequence: Seen[]): BisectRunner & { ran: number[] } {
  const ran: number[] = [];
  return {
    ran,
    async run(candidate, index): Promise<StepRun> {
      ran.push(index);
      const seen = sequence[index]!;
      return { cell: cell(candidate.version, seen) };
    },
  };
}

const versions = (n: number, expected?: (i: number) => BisectCandidate['expected']): BisectCandidate[] =>
  Array.from({ length: n }, (_, i) => ({ version: `1.${i}.0`, ...(expected ? { expected: expected(i) } : {}) }));

describe('bisectReleases', () => {
  it('finds the first passing release and checks the releases around it', async () => {
    const runner = fake(['F', 'F', 'F', 'F', 'F', 'P', 'P', 'P', 'P', 'P']);
    const result = await bisectReleases({ check: 'discovery.pkce-advertised', candidates: versions(10), runner });
    expect(result.kind).toBe('answer');
    if (result.kind !== 'answer') return;
    expect([result.last.version, result.first.version, result.change, result.monotonic]).toEqual(['1.4.0', '1.5.0', 'fixed', true]);
    expect(result.notes).toEqual([]);
    expect([result.neighbours.before?.version, result.neighbours.after?.version]).toEqual(['1.3.0', '1.6.0']);
    // each release at most once, the ends first
    expect(runner.ran.slice(0, 2)).toEqual([0, 9]);
    expect(new Set(runner.ran).size).toBe(runner.ran.length);
    expect(runner.ran).toContain(3);
    expect(runner.ran).toContain(6);
    expect(result.steps.map((s) => s.role).slice(0, 2)).toEqual(['end', 'end']);
  });

  it('finds the first failing release of a regression', async () => {
    const result = await bisectReleases({ check: 'discovery.pkce-advertised', candidates: versions(6), runner: fake(['P', 'P', 'F', 'F', 'F', 'F']) });
    expect(result.kind === 'answer' && [result.first.version, result.last.version, result.change]).toEqual(['1.2.0', '1.1.0', 'broken']);
  });

  it('probes the change the data predicts first: a right prediction costs one probe', async () => {
    const runner = fake(['F', 'F', 'F', 'F', 'F', 'F', 'F', 'P', 'P', 'P', 'P', 'P', 'P', 'P', 'P', 'P']);
    const result = await bisectReleases({ check: 'discovery.pkce-advertised', candidates: versions(16, (i) => (i >= 7 ? 'pass' : 'fail')), runner });
    expect(result.kind === 'answer' && result.first.version).toBe('1.7.0');
    // ends, the two releases of the predicted change, then the neighbours 5 and 8
    expect(runner.ran).toEqual([0, 15, 7, 6, 5, 8]);
  });

  it('still finds the measured answer when the data predicts another release', async () => {
    const runner = fake(['F', 'F', 'F', 'F', 'F', 'F', 'F', 'F', 'F', 'F', 'P', 'P']);
    const result = await bisectReleases({ check: 'discovery.pkce-advertised', candidates: versions(12, (i) => (i >= 3 ? 'pass' : 'fail')), runner });
    expect(result.kind === 'answer' && [result.first.version, result.last.version, result.monotonic]).toEqual(['1.10.0', '1.9.0', true]);
  });

  it('says so when the ends agree, after running only them', async () => {
    const runner = fake(['P', 'F', 'F', 'P']);
    const result = await bisectReleases({ check: 'discovery.pkce-advertised', candidates: versions(4), runner });
    expect(result).toMatchObject({ kind: 'ends-agree', outcome: 'passed' });
    expect(runner.ran).toEqual([0, 3]);
  });

  it('reports a sequence that is not monotonic at the answer', async () => {
    // 1.3.0 passes, 1.4.0 fails again, then passes from 1.5.0: the release before the last failing one passes
    const runner = fake(['F', 'F', 'F', 'P', 'F', 'P', 'P', 'P']);
    const result = await bisectReleases({ check: 'discovery.pkce-advertised', candidates: versions(8, (i) => (i >= 5 ? 'pass' : 'fail')), runner });
    expect(result.kind).toBe('answer');
    if (result.kind !== 'answer') return;
    expect([result.first.version, result.last.version, result.monotonic]).toEqual(['1.5.0', '1.4.0', false]);
    expect(result.notes).toEqual(['not monotonic: 1.3.0 passed, before 1.4.0 which failed']);
  });

  it('reports an unmeasured end and answers nothing', async () => {
    const result = await bisectReleases({ check: 'discovery.pkce-advertised', candidates: versions(5), runner: fake(['error', 'F', 'F', 'P', 'P']) });
    expect(result.kind).toBe('not-measured');
    expect(result.kind === 'not-measured' && result.reason).toBe('the end 1.0.0 was not measured (error)');
  });

  it('steps around an unmeasured probe, and reports a change hidden behind unmeasured releases', async () => {
    const around = await bisectReleases({ check: 'discovery.pkce-advertised', candidates: versions(9), runner: fake(['F', 'F', 'F', 'F', 'skipped', 'F', 'P', 'P', 'P']) });
    expect(around.kind === 'answer' && around.first.version).toBe('1.6.0');
    expect(around.steps.find((s) => s.version === '1.4.0')).toMatchObject({ outcome: 'not-measured', classification: 'skipped' });
    const hidden = await bisectReleases({ check: 'discovery.pkce-advertised', candidates: versions(5), runner: fake(['F', 'F', 'interrupted', 'P', 'P']) });
    expect(hidden.kind === 'not-measured' && hidden.reason).toBe('the change lies between 1.1.0 and 1.3.0, but 1.2.0 (interrupted) between them was not measured');
  });

  it('counts a cell of a check without data (unknown) as not measured, and a missing cell too', async () => {
    const unknown = await bisectReleases({ check: 'discovery.pkce-advertised', candidates: versions(3), runner: fake(['F', 'unknown', 'P']) });
    expect(unknown.kind).toBe('not-measured');
    const runner: BisectRunner = { run: async () => ({ note: 'Playwright wrote no matrix' }) };
    const none = await bisectReleases({ check: 'discovery.pkce-advertised', candidates: versions(2), runner });
    expect(none.kind === 'not-measured' && none.reason).toBe('the end 1.0.0 was not measured (Playwright wrote no matrix)');
  });

  it('notes a side without a neighbour in the range', async () => {
    const result = await bisectReleases({ check: 'discovery.pkce-advertised', candidates: versions(3), runner: fake(['F', 'P', 'P']) });
    expect(result.kind === 'answer' && result.notes).toEqual(['no release before 1.0.0 installs with the fixed axes: monotonic on that side not checked']);
  });

  it('measures the time of each step with the clock it is given', async () => {
    let t = 0;
    const result = await bisectReleases({ check: 'discovery.pkce-advertised', candidates: versions(2), runner: fake(['F', 'P']), now: () => (t += 1500) });
    expect(result.steps.map((s) => s.seconds)).toEqual([1.5, 1.5]);
  });

  it('searches between the ends of its range and checks the releases just outside it', async () => {
    // 1.2.0 breaks, 1.3.0 fixes it again: bisecting 1.0.0 ... 1.2.0 finds 1.2.0, and 1.3.0 outside the range says it is not monotonic
    const runner = fake(['P', 'P', 'F', 'P', 'P']);
    const result = await bisectReleases({ check: 'discovery.pkce-advertised', candidates: versions(5), range: { from: 0, to: 2 }, runner });
    expect(result.kind === 'answer' && [result.first.version, result.change, result.monotonic, result.notes]).toEqual(['1.2.0', 'broken', false, ['not monotonic: 1.3.0 passed, after 1.2.0 which failed']]);
    expect(runner.ran).toEqual([0, 2, 1, 3]);
  });

  it('refuses fewer than two releases', async () => {
    await expect(bisectReleases({ check: 'discovery.pkce-advertised', candidates: versions(1), runner: fake(['P']) })).rejects.toThrow(BisectError);
    await expect(bisectReleases({ check: 'discovery.pkce-advertised', candidates: versions(3), range: { from: 1, to: 1 }, runner: fake(['P', 'P', 'P']) })).rejects.toThrow(BisectError);
  });
});
