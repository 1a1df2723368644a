import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The environment variable that points the replays at another folder of recordings of real Nextcloud. */
export const REAL_RUNS_ENV = 'NC_OAUTH_LAB_REAL_RUNS';

/** `../shared/real-nextcloud` beside the checkout: where the project keeps recordings of real Nextcloud (matrix runs and probes). */
export const DEFAULT_REAL_RUNS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'real-nextcloud');

/** The folder of recordings of real Nextcloud: `$NC_OAUTH_LAB_REAL_RUNS`, else `DEFAULT_REAL_RUNS_DIR`. */
export function realRunsDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const dir = env[REAL_RUNS_ENV];
  return dir !== undefined && dir !== '' ? resolve(dir) : DEFAULT_REAL_RUNS_DIR;
}
