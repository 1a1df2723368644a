import type { Matrix, MatrixCell } from './matrix-schema.ts';
import { expectedText, observedText } from './matrix-text.ts';

function xml(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex -- characters XML 1.0 cannot hold
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function testcase(c: MatrixCell): string {
  const open = `    <testcase classname="${xml(c.variant)}" name="${xml(c.check)}" time="0">`;
  const text = `expected ${expectedText(c)}; observed ${observedText(c)}`;
  const links = c.links.map((l) => `${l.name}: ${l.path}`).join('\n');
  switch (c.classification) {
    case 'unexpected-fail':
      return `${open}\n      <failure type="unexpected-fail" message="${xml(`regression: ${text}`)}">${xml([text, links].filter(Boolean).join('\n'))}</failure>\n    </testcase>`;
    case 'wrong-reason':
      return `${open}\n      <failure type="wrong-reason" message="${xml(`fails for another reason than the data gives: ${text}`)}">${xml([text, links].filter(Boolean).join('\n'))}</failure>\n    </testcase>`;
    case 'stale':
      return `${open}\n      <failure type="stale" message="${xml(`stale expectation, update the data: ${text}`)}">${xml(text)}</failure>\n    </testcase>`;
    case 'error':
      return `${open}\n      <error type="error" message="${xml(observedText(c))}">${xml([text, links].filter(Boolean).join('\n'))}</error>\n    </testcase>`;
    case 'skipped':
      return `${open}\n      <skipped message="${xml(c.observed.message ?? 'the test did not run')}"/>\n    </testcase>`;
    case 'interrupted':
    case 'not-run':
      // Not measured: the run was stopped while or before the test ran.
      return `${open}\n      <skipped message="${xml(`${c.classification}: ${c.observed.error ?? 'the run was interrupted'}`)}"/>\n    </testcase>`;
    default:
      return `${open}\n      <system-out>${xml(`${c.classification}: ${text}`)}</system-out>\n    </testcase>`;
  }
}

/**
 * JUnit XML of the matrix: one testsuite per variant, one testcase per cell (classname = variant key,
 * name = check id); unexpected-fail and stale cells are failures, error cells errors, skipped cells skipped.
 */
export function matrixJunit(matrix: Matrix): string {
  const suites = matrix.variants.map((v) => {
    const cells = matrix.cells.filter((c) => c.variant === v.key);
    const failures = cells.filter((c) => ['unexpected-fail', 'wrong-reason', 'stale'].includes(c.classification)).length;
    const errors = cells.filter((c) => c.classification === 'error').length;
    const skipped = cells.filter((c) => c.classification === 'skipped' || c.classification === 'interrupted' || c.classification === 'not-run').length;
    return [
      `  <testsuite name="${xml(v.key)}" tests="${cells.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" timestamp="${xml(matrix.generatedAt)}">`,
      `    <properties>\n      <property name="provider" value="${xml(v.provider)}"/>\n      <property name="double" value="${v.provider === 'double'}"/>\n    </properties>`,
      ...cells.map(testcase),
      '  </testsuite>',
    ].join('\n');
  });
  const all = matrix.cells;
  const failures = all.filter((c) => ['unexpected-fail', 'wrong-reason', 'stale'].includes(c.classification)).length;
  const errors = all.filter((c) => c.classification === 'error').length;
  const skipped = all.filter((c) => c.classification === 'skipped' || c.classification === 'interrupted' || c.classification === 'not-run').length;
  const name = `${matrix.tool.name} matrix${matrix.double ? ' (Nextcloud double)' : ''}`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${xml(name)}" tests="${all.length}" failures="${failures}" errors="${errors}" skipped="${skipped}">\n${suites.join('\n')}\n</testsuites>\n`;
}
