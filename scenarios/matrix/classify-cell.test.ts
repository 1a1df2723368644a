import { describe, expect, it } from 'vitest';
import { classifyCell, isProblem } from './classify-cell.ts';

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
  });

  it('makes only regressions and stale data problems', () => {
    expect(['pass', 'expected-fail', 'unexpected-fail', 'stale', 'unknown', 'error', 'skipped'].filter((c) => isProblem(c as never))).toEqual(['unexpected-fail', 'stale']);
  });
});
