import { existsSync } from 'node:fs';
import type { LaunchOptions } from 'playwright-core';

/** Environment variable naming a Chromium binary to use instead of Debian's or Playwright's own. */
export const CHROMIUM_ENV = 'NC_OAUTH_LAB_CHROMIUM';

/** Where Debian's `chromium` package installs its binary. */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

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

/**
 * Launch options for Chromium: the binary named by `NC_OAUTH_LAB_CHROMIUM`, else Debian's
 * `/usr/bin/chromium` when present, else `{}` so that Playwright uses its own downloaded browser.
 */
export function chromiumLaunchOptions(env: NodeJS.ProcessEnv = process.env, exists: (path: string) => boolean = existsSync): LaunchOptions {
  const override = env[CHROMIUM_ENV];
  if (override !== undefined && override !== '') {
    if (!exists(override)) {
      throw new Error(`${CHROMIUM_ENV}=${override} does not exist: point it at a Chromium binary or unset it`);
    }
    return { executablePath: override, args: [...SYSTEM_CHROMIUM_ARGS] };
  }
  if (exists(DEBIAN_CHROMIUM)) return { executablePath: DEBIAN_CHROMIUM, args: [...SYSTEM_CHROMIUM_ARGS] };
  return {};
}
