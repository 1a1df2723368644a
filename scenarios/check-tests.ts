import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isCheckId, type CheckId } from './checks.ts';

/** The scenario files of the matrix. */
export const SPECS_DIR = fileURLToPath(new URL('./specs', import.meta.url));

/** A scenario test and the checks it declares with `withChecks`. */
export interface CheckTest {
  /** The test's own title (without its describe), as `test('...')` names it. */
  title: string;
  /** File name inside scenarios/specs. */
  file: string;
  line: number;
  checks: CheckId[];
}

/** `test('title', withChecks('a', 'b'), ...)`, across lines; the title is a plain string literal. */
const DECLARATION = /\btest\(\s*(['"])((?:\\.|(?!\1)[^\\\n])*)\1\s*,\s*withChecks\(([^)]*)\)/g;

/**
 * The tests of the scenario files and the checks each declares, read from their source (`withChecks`
 * declarations), in file and line order. A check id that is not in the catalogue is left out (withChecks
 * refuses it when the test loads).
 */
export function declaredCheckTests(dir = SPECS_DIR): CheckTest[] {
  const out: CheckTest[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.spec.ts')).sort()) {
    const source = readFileSync(join(dir, file), 'utf8');
    for (const m of source.matchAll(DECLARATION)) {
      const title = m[2]!.replace(/\\(.)/g, '$1');
      const checks = [...m[3]!.matchAll(/(['"])([^'"]+)\1/g)].map((x) => x[2]!).filter(isCheckId);
      out.push({ title, file, line: source.slice(0, m.index).split('\n').length, checks });
    }
  }
  return out;
}

/** The tests that declare a check. */
export function testsDeclaring(check: CheckId, tests: readonly CheckTest[] = declaredCheckTests()): CheckTest[] {
  return tests.filter((t) => t.checks.includes(check));
}

/**
 * A Playwright `--grep` that matches exactly these tests: Playwright matches the title path joined by
 * spaces (project, describes, title) followed by the tags, so each title is anchored at its end.
 */
export function grepForTests(tests: readonly CheckTest[]): string {
  const titles = [...new Set(tests.map((t) => t.title.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')))];
  return `(?:^| )(?:${titles.join('|')})(?: @\\S+)*$`;
}
