/**
 * The versions a patch applies to, as data: `min` inclusive, `below` exclusive (either may be absent).
 * Pre-release suffixes (`8.11.0-dev.0`, `33.0.0 RC1`) count as their release: a pre-release of 7.0.0 is 7.0.0.
 */
export interface VersionRange {
  min?: string;
  below?: string;
}

/** The numeric core of a version string: `8.11.0-dev.0` → [8, 11, 0]; undefined when it has none. */
export function versionCore(version: string): number[] | undefined {
  const match = /^\s*v?(\d+(?:\.\d+)*)/.exec(version);
  return match ? match[1]!.split('.').map(Number) : undefined;
}

/** Compares two versions by their numeric cores (missing parts are 0): negative, 0 or positive. */
export function compareVersions(a: string, b: string): number {
  const x = versionCore(a) ?? [];
  const y = versionCore(b) ?? [];
  for (let i = 0; i < Math.max(x.length, y.length); i += 1) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** True when `version` lies in `range`. */
export function inVersionRange(version: string, range: VersionRange): boolean {
  if (range.min !== undefined && compareVersions(version, range.min) < 0) return false;
  if (range.below !== undefined && compareVersions(version, range.below) >= 0) return false;
  return true;
}

/** `>= 7.0.0`, `>= 31.0.0 < 36.0.0`, or `any`. */
export function describeVersionRange(range: VersionRange): string {
  const parts = [range.min !== undefined ? `>= ${range.min}` : '', range.below !== undefined ? `< ${range.below}` : ''].filter(Boolean);
  return parts.length > 0 ? parts.join(' ') : 'any';
}
