import { describe, expect, it } from 'vitest';
import {
  CHROMIUM_ENV,
  DEBIAN_CHROMIUM,
  PLAYWRIGHT_CHROMIUM,
  chromiumCandidates,
  chromiumLaunchOptions,
  launchErrorLine,
  startChromium,
} from './chromium-launch-options.ts';
import { HarnessError } from './harness-error.ts';

describe('chromiumCandidates and chromiumLaunchOptions', () => {
  it('takes only the binary named by the environment variable, whether it exists or not', () => {
    expect(chromiumCandidates({ [CHROMIUM_ENV]: '/opt/chrome' }, () => true).map((c) => c.label)).toEqual([`${CHROMIUM_ENV}=/opt/chrome`]);
    const options = chromiumLaunchOptions({ [CHROMIUM_ENV]: '/opt/chrome' }, () => false);
    expect(options.executablePath).toBe('/opt/chrome');
    expect(options.args).toContain('--no-sandbox');
  });

  it("takes Playwright's own browser for NC_OAUTH_LAB_CHROMIUM=playwright", () => {
    expect(chromiumCandidates({ [CHROMIUM_ENV]: PLAYWRIGHT_CHROMIUM }, () => true)).toEqual([{ label: "Playwright's own Chromium", launchOptions: {}, envValue: PLAYWRIGHT_CHROMIUM }]);
    expect(chromiumLaunchOptions({ [CHROMIUM_ENV]: PLAYWRIGHT_CHROMIUM }, () => true)).toEqual({});
  });

  it("tries Debian's chromium, then Chromium and Chrome on PATH, each once, then Playwright's own", () => {
    const present = new Set([DEBIAN_CHROMIUM, '/opt/bin/chromium-browser', '/opt/bin/google-chrome', '/usr/local/bin/google-chrome']);
    const candidates = chromiumCandidates({ PATH: '/opt/bin:/usr/local/bin' }, (p) => present.has(p));
    expect(candidates.map((c) => c.label)).toEqual([DEBIAN_CHROMIUM, '/opt/bin/chromium-browser', '/opt/bin/google-chrome', '/usr/local/bin/google-chrome', "Playwright's own Chromium"]);
    expect(candidates.map((c) => c.envValue)).toEqual([DEBIAN_CHROMIUM, '/opt/bin/chromium-browser', '/opt/bin/google-chrome', '/usr/local/bin/google-chrome', PLAYWRIGHT_CHROMIUM]);
    const options = chromiumLaunchOptions({}, (p) => p === DEBIAN_CHROMIUM);
    expect(options.executablePath).toBe(DEBIAN_CHROMIUM);
    expect(options.args).toContain('--disable-background-networking');
  });

  it("falls back to Playwright's own browser", () => {
    expect(chromiumCandidates({ PATH: '/nowhere' }, () => false).map((c) => c.envValue)).toEqual([PLAYWRIGHT_CHROMIUM]);
    expect(chromiumLaunchOptions({}, () => false)).toEqual({});
  });
});

describe('launchErrorLine', () => {
  it("names the browser's own error, else Playwright's first line, with the exit code", () => {
    expect(launchErrorLine(new Error("browserType.launch: Failed to launch chromium because executable doesn't exist at /nope"))).toBe("Failed to launch chromium because executable doesn't exist at /nope");
    const exited = 'browserType.launch: Target page, context or browser has been closed\nBrowser logs:\n\n<launched> pid=1\nCall log:\n  - [pid=1] <process did exit: exitCode=1, signal=null>';
    expect(launchErrorLine(new Error(exited))).toBe('Target page, context or browser has been closed (exit code 1)');
    const stderr = 'browserType.launch: Target page, context or browser has been closed\n  - [pid=1][err] /opt/chrome: error while loading shared libraries: libnss3.so\n  - [pid=1] <process did exit: exitCode=127, signal=null>';
    expect(launchErrorLine(new Error(stderr))).toBe('/opt/chrome: error while loading shared libraries: libnss3.so (exit code 127)');
  });
});

describe('startChromium (the browser preflight)', () => {
  it('says in one line what it tried and how to fix it when no browser starts, within the time it was given', async () => {
    const started = Date.now();
    const error = await startChromium({ env: { [CHROMIUM_ENV]: '/bin/false' } }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(error).toBeInstanceOf(HarnessError);
    const e = error as HarnessError;
    expect(e.code).toBe('ERR_NO_BROWSER');
    expect(e.exitCode).toBe(2);
    expect(e.message).not.toContain('\n');
    expect(e.message).toMatch(/^no browser starts: tried NC_OAUTH_LAB_CHROMIUM=\/bin\/false \(Target page, context or browser has been closed \(exit code 1\)\)\. To fix it, install one: 'npx playwright install chromium', or your distribution's chromium package/);
    expect(e.message).toContain('set NC_OAUTH_LAB_CHROMIUM to a Chromium or Chrome binary');
  });

  const system = chromiumCandidates().filter((c) => c.envValue !== PLAYWRIGHT_CHROMIUM);
  it.skipIf(system.length === 0)('tries the next browser when one does not start, and names the one that did for other processes (needs a system Chromium: Debian apt-get install chromium)', async () => {
    const started = await startChromium({ candidates: [{ label: 'a missing one', launchOptions: { executablePath: '/nonexistent/chrome' }, envValue: '/nonexistent/chrome' }, system[0]!] });
    try {
      expect(started.label).toBe(system[0]!.label);
      expect(started.env).toEqual({ [CHROMIUM_ENV]: system[0]!.envValue });
      expect(started.browser.isConnected()).toBe(true);
    } finally {
      await started.browser.close();
    }
  });
});
