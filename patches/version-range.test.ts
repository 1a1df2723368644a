import { describe, expect, it } from 'vitest';
import { compareVersions, describeVersionRange, inVersionRange } from './version-range.ts';

describe('version ranges', () => {
  it('compares numeric cores, pre-releases counting as their release', () => {
    expect(compareVersions('8.10.1', '8.9.0')).toBeGreaterThan(0);
    expect(compareVersions('7.0.0', '7')).toBe(0);
    expect(compareVersions('v6.4.0', '7.0.0')).toBeLessThan(0);
    expect(compareVersions('8.11.0-dev.0', '8.11.0')).toBe(0);
    expect(compareVersions('32.0.1.2', '32.0.1')).toBeGreaterThan(0);
  });

  it('checks min (inclusive) and below (exclusive)', () => {
    const range = { min: '7.0.0', below: '9.0.0' };
    expect(['6.4.0', '7.0.0', '8.10.1', '9.0.0'].map((v) => inVersionRange(v, range))).toEqual([false, true, true, false]);
    expect(describeVersionRange(range)).toBe('>= 7.0.0 < 9.0.0');
    expect(describeVersionRange({})).toBe('any');
  });
});
