import { describe, expect, it } from 'vitest';
import { CHROMIUM_ENV, DEBIAN_CHROMIUM, chromiumLaunchOptions } from './chromium-launch-options.ts';

describe('chromiumLaunchOptions', () => {
  it('prefers the binary named by the environment variable', () => {
    const options = chromiumLaunchOptions({ [CHROMIUM_ENV]: '/opt/chrome' }, (p) => p === '/opt/chrome');
    expect(options.executablePath).toBe('/opt/chrome');
    expect(options.args).toContain('--no-sandbox');
  });

  it('rejects an override that does not exist', () => {
    expect(() => chromiumLaunchOptions({ [CHROMIUM_ENV]: '/nope' }, () => false)).toThrow(/does not exist/);
  });

  it('uses Debian chromium when present', () => {
    const options = chromiumLaunchOptions({}, (p) => p === DEBIAN_CHROMIUM);
    expect(options.executablePath).toBe(DEBIAN_CHROMIUM);
    expect(options.args).toContain('--disable-background-networking');
  });

  it("falls back to Playwright's own browser", () => {
    expect(chromiumLaunchOptions({}, () => false)).toEqual({});
  });
});
