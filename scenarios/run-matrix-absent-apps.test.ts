import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MatrixSpec } from './fixtures/matrix-spec.ts';
import { runMatrix, type MatrixOutcome } from './run-matrix.ts';
import { variantKey } from './variant.ts';

/*
 * A matrix run against a double that plays an instance without Deck and Tables (like the recorded real
 * NC 32.0.1, ../shared/real-nextcloud/README.md): their checks are not measured there, so their cells are
 * skipped with the reason, never an error, an expected or an unexpected failure.
 */
const SPEC: MatrixSpec = {
  provider: 'double',
  variants: [{ nextcloud: 32, oidc: '1.16.6', userOidc: '8.10.1', patch: 'none', ocsHeader: false }],
  double: { apps: { deck: false, tables: false } },
};
const KEY = variantKey(SPEC.variants[0]!);

describe('a matrix run on an instance without Deck and Tables', () => {
  let dir: string;
  let run: MatrixOutcome;
  const output: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-absent-apps-'));
    run = await runMatrix({
      spec: SPEC,
      out: join(dir, 'out'),
      workers: 1,
      grep: 'MCP round trip: (Deck|Tables|Notes)',
      progress: 'null',
      output: (chunk) => void output.push(chunk),
      env: { CI: '', FORCE_COLOR: '0' },
    });
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives skipped cells with the reason, no error and no unexpected cell', () => {
    expect(run.failures, output.join('')).toEqual([]);
    expect(run.exitCode).toBe(0);
    const cells = Object.fromEntries(run.matrix!.cells.map((c) => [c.check, c]));
    expect(Object.keys(cells).sort()).toEqual(['mcp.deck.roundtrip', 'mcp.notes.roundtrip', 'mcp.tables.roundtrip']);
    expect(cells['mcp.deck.roundtrip']).toMatchObject({ variant: KEY, classification: 'skipped', observed: { outcome: 'skipped', message: 'Deck is not installed (app deck): mcp.deck.roundtrip is not measured on this instance' } });
    expect(cells['mcp.tables.roundtrip']).toMatchObject({ classification: 'skipped', observed: { outcome: 'skipped', message: expect.stringMatching(/^Tables is not installed/) } });
    expect(cells['mcp.notes.roundtrip']!.classification).toBe('expected-fail');
    expect(run.matrix!.summary.counts).toMatchObject({ error: 0, 'unexpected-fail': 0, 'wrong-reason': 0, stale: 0, skipped: 2 });
    expect(run.matrix!.variants[0]!.apps).toEqual({ notes: expect.any(String), deck: null, tables: null, twofactor_backupcodes: expect.any(String) });
    expect(readFileSync(join(dir, 'out', 'matrix.md'), 'utf8')).toContain('Deck is not installed');
  });
});
