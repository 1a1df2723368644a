import { accessSync, constants, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { chromium, type Browser, type LaunchOptions } from 'playwright-core';
import { HarnessError } from './harness-error.ts';

/**
 * Environment variable naming the Chromium (or Chrome) binary to use instead of a system one or Playwright's
 * own; `playwright` means Playwright's own browser (`npx playwright install chromium`).
 */
export const CHROMIUM_ENV = 'NC_OAUTH_LAB_CHROMIUM';

/** The value of `NC_OAUTH_LAB_CHROMIUM` that asks for Playwright's own browser. */
export const PLAYWRIGHT_CHROMIUM = 'playwright';

/** Where Debian's `chromium` package installs its binary. */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** Names of a system Chromium or Chrome looked up on PATH, after Debian's binary. */
export const SYSTEM_CHROMIUM_NAMES: readonly string[] = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** How long the preflight gives all the browsers it tries together to start. */
export const CHROMIUM_PREFLIGHT_TIMEOUT_MS = 25_000;

/** How long one browser may take to start, so that a hanging one leaves time for the next. */
const CHROMIUM_START_TIMEOUT_MS = 15_000;

/**
 * Flags for a system Chromium on a closed, root-run machine: no sandbox (root), no GPU, no QUIC, and no
 * background connections that a closed network refuses.
 */
export const SYSTEM_CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Whether a file exists and may be executed. */
function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function realpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** One browser the harness can use, in the order it tries them. */
export interface ChromiumCandidate {
  /** For messages: `NC_OAUTH_LAB_CHROMIUM=/opt/chrome`, `/usr/bin/chromium`, `Playwright's own Chromium`. */
  label: string;
  launchOptions: LaunchOptions;
  /** The `NC_OAUTH_LAB_CHROMIUM` value that makes another process (Playwright's workers) choose the same browser. */
  envValue: string;
}

const PLAYWRIGHT_CANDIDATE: ChromiumCandidate = { label: "Playwright's own Chromium", launchOptions: {}, envValue: PLAYWRIGHT_CHROMIUM };

function binaryCandidate(label: string, path: string): ChromiumCandidate {
  return { label, launchOptions: { executablePath: path, args: [...SYSTEM_CHROMIUM_ARGS] }, envValue: path };
}

/**
 * The browsers to try, in order: only the one `NC_OAUTH_LAB_CHROMIUM` names when it is set (a path, or
 * `playwright`); else a system Chromium or Chrome (Debian's `/usr/bin/chromium`, then `chromium`,
 * `chromium-browser`, `google-chrome`, `google-chrome-stable` on PATH, each binary once), then Playwright's own.
 */
export function chromiumCandidates(env: NodeJS.ProcessEnv = process.env, executable: (path: string) => boolean = isExecutable): ChromiumCandidate[] {
  const override = env[CHROMIUM_ENV];
  if (override !== undefined && override !== '') {
    return [override === PLAYWRIGHT_CHROMIUM ? PLAYWRIGHT_CANDIDATE : binaryCandidate(`${CHROMIUM_ENV}=${override}`, override)];
  }
  const found: ChromiumCandidate[] = [];
  const seen = new Set<string>();
  const add = (path: string): void => {
    const real = realpath(path);
    if (seen.has(real)) return;
    seen.add(real);
    found.push(binaryCandidate(path, path));
  };
  if (executable(DEBIAN_CHROMIUM)) add(DEBIAN_CHROMIUM);
  const dirs = (env['PATH'] ?? '').split(delimiter).filter((d) => d !== '');
  for (const name of SYSTEM_CHROMIUM_NAMES) {
    for (const dir of dirs) {
      const path = join(dir, name);
      if (executable(path)) add(path);
    }
  }
  return [...found, PLAYWRIGHT_CANDIDATE];
}

/**
 * Launch options for Chromium without starting it (Playwright configs): the first of `chromiumCandidates`.
 * `nc-oauth-lab matrix` starts the browser first (`startChromium`) and passes the one that started to
 * Playwright in `NC_OAUTH_LAB_CHROMIUM`, so the scenarios use that one. `{}` is Playwright's own browser.
 */
export function chromiumLaunchOptions(env: NodeJS.ProcessEnv = process.env, executable: (path: string) => boolean = isExecutable): LaunchOptions {
  const first = chromiumCandidates(env, executable)[0]!;
  return { ...first.launchOptions, ...(first.launchOptions.args ? { args: [...first.launchOptions.args] } : {}) };
}

/** The first line of a failed launch that says why: the browser's own error output, else Playwright's message. */
export function launchErrorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // eslint-disable-next-line no-control-regex -- ANSI colour escapes in Playwright's call log
  const lines = message.replace(/\u001b\[[0-9;]*m/g, '').split('\n').map((l) => l.trim());
  const first = (lines[0] ?? '').replace(/^browserType\.launch: /, '');
  const stderr = lines.map((l) => /\[err\]\s*(.+)$/.exec(l)?.[1]?.trim()).find((l) => l !== undefined && l !== '');
  const exit = lines.map((l) => /<process did exit: exitCode=(\d+|null), signal=(\w+)>/.exec(l)).find((m) => m !== null && m !== undefined);
  const how = exit ? (exit[1] !== 'null' ? ` (exit code ${exit[1]})` : ` (signal ${exit[2]})`) : '';
  return `${stderr ?? first}${how}`.slice(0, 300);
}

/** Options of `startChromium`. */
export interface StartChromiumOptions {
  env?: NodeJS.ProcessEnv;
  /** Extra launch options for every candidate (e.g. `headless: false`). */
  launchOptions?: LaunchOptions;
  /** All candidates together (default `CHROMIUM_PREFLIGHT_TIMEOUT_MS`). */
  timeoutMs?: number;
  /** For tests: the candidates to try instead of `chromiumCandidates(env)`. */
  candidates?: readonly ChromiumCandidate[];
}

/** A browser that started, and which one it is. */
export interface StartedChromium extends ChromiumCandidate {
  browser: Browser;
  /** `{ NC_OAUTH_LAB_CHROMIUM: envValue }`: give it to another process so it starts the same browser. */
  env: Record<string, string>;
}

/** What to do when no browser starts, as the one-line error says it. */
export const NO_CHROMIUM_FIX = `install one: 'npx playwright install chromium', or your distribution's chromium package (Debian: apt-get install chromium), or set ${CHROMIUM_ENV} to a Chromium or Chrome binary`;

/**
 * The browser preflight: starts the first of `chromiumCandidates` that starts (each gets at most 15 s and what
 * is left of the timeout) and returns it running. When none does, throws a HarnessError `ERR_NO_BROWSER` (exit code 2 in
 * the CLI) with one line naming every browser tried, the first line of its error, and how to get one.
 */
export async function startChromium(options: StartChromiumOptions = {}): Promise<StartedChromium> {
  const candidates = options.candidates ?? chromiumCandidates(options.env ?? process.env);
  const deadline = Date.now() + (options.timeoutMs ?? CHROMIUM_PREFLIGHT_TIMEOUT_MS);
  const tried: string[] = [];
  for (const candidate of candidates) {
    const timeout = Math.min(deadline - Date.now(), CHROMIUM_START_TIMEOUT_MS);
    if (timeout <= 0) {
      tried.push(`${candidate.label} (not tried: no time left)`);
      continue;
    }
    try {
      const browser = await chromium.launch({ ...candidate.launchOptions, ...options.launchOptions, timeout });
      return { ...candidate, browser, env: { [CHROMIUM_ENV]: candidate.envValue } };
    } catch (error) {
      tried.push(`${candidate.label} (${launchErrorLine(error)})`);
    }
  }
  throw new HarnessError('ERR_NO_BROWSER', `no browser starts: tried ${tried.join('; ')}. To fix it, ${NO_CHROMIUM_FIX}`, { detail: { tried } });
}
