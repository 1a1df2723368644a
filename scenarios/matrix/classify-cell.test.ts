import { describe, expect, it } from 'vitest';
import { CLASSIFICATIONS, classifyCell, isNotMeasured, isProblem } from './classify-cell.ts';

describe('classifyCell', () => {
  it('gives every class', () => {
    expect(classifyCell('passed', 'pass')).toBe('pass');
    expect(classifyCell('failed', 'fail')).toBe('expected-fail');
    expect(classifyCell('failed', 'pass')).toBe('unexpected-fail');
    expect(classifyCell('passed', 'fail')).toBe('stale');
    expect(classifyCell('passed', 'unknown')).toBe('unknown');
    expect(classifyCell('failed', 'unknown')).toBe('unknown');
    expect(classifyCell('error', 'pass')).toBe('error');
    expect(classifyCell('error', 'unknown')).toBe('error');
    expect(classifyCell('skipped', 'fail')).toBe('skipped');
    expect(classifyCell('failed', 'fail', false)).toBe('wrong-reason');
    expect(classifyCell('failed', 'pass', false)).toBe('unexpected-fail');
    expect(classifyCell('passed', 'fail', false)).toBe('stale');
    expect(classifyCell('skipped', 'fail', false)).toBe('skipped');
  });

  it('makes errors, regressions, wrong reasons and stale data problems, and nothing that was measured as expected or not measured for a reason', () => {
    expect(CLASSIFICATIONS.filter((c) => isProblem(c))).toEqual(['unexpected-fail', 'wrong-reason', 'stale', 'error']);
    expect(CLASSIFICATIONS.filter((c) => isNotMeasured(c))).toEqual(['unknown', 'error', 'skipped', 'interrupted', 'not-run']);
  });
});
