import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Progress } from '../nextcloud-instance.ts';

/**
 * Environment variable naming one run (a matrix run sets it for all its Playwright workers): a build that
 * failed in this run is not tried again by another worker or variant of the same run.
 */
export const BUILD_RUN_ENV = 'NC_OAUTH_LAB_RUN_ID';

/** Where build locks and failure records live (one file per image tag; processes of one machine share it). */
export function buildLockDir(): string {
  return join(tmpdir(), 'nc-oauth-lab-builds');
}

const slug = (tag: string): string => tag.replace(/[^A-Za-z0-9_.-]+/g, '_');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Options of `withBuildLock`. */
export interface BuildLockOptions {
  /** Directory of the lock files (default `buildLockDir()`). */
  dir?: string;
  /** Milliseconds to wait for another process's build of the same tag (default 60 min). */
  waitMs?: number;
  /** Milliseconds between looks at the lock (default 500). */
  pollMs?: number;
  progress?: Progress;
  /** Registers the lock for removal if the process ends while holding it; returns the unregister function. */
  track?: (path: string) => () => void;
}

/**
 * Runs `fn` while holding the build lock of `tag`: a directory created atomically (`mkdir`), holding the
 * owner's pid. Another process (a Playwright worker) that wants the same tag waits until it is released; a
 * lock whose owner is gone is taken over. So two variants that share an image (the two header modes) build
 * it once: the second finds the image there, or the first one's failure (`previousBuildFailure`).
 */
export async function withBuildLock<T>(tag: string, fn: () => Promise<T>, options: BuildLockOptions = {}): Promise<T> {
  const dir = options.dir ?? buildLockDir();
  await mkdir(dir, { recursive: true });
  const lock = join(dir, `${slug(tag)}.lock`);
  const deadline = Date.now() + (options.waitMs ?? 60 * 60_000);
  let announced = 0;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(await readFile(join(lock, 'pid'), 'utf8').catch(() => ''), 10);
    if (Number.isInteger(owner) && !alive(owner)) {
      await rm(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`another process (pid ${Number.isInteger(owner) ? owner : '?'}) has been building ${tag} for too long: remove ${lock} if it is gone`);
    if (Date.now() - announced > 30_000) {
      options.progress?.(`waiting for another build of ${tag}${Number.isInteger(owner) ? ` (pid ${owner})` : ''}`);
      announced = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
  const untrack = options.track?.(lock);
  try {
    return await fn();
  } finally {
    untrack?.();
    await rm(lock, { recursive: true, force: true });
  }
}

interface FailureRecord {
  run: string;
  message: string;
  at: string;
}

/** Records that building `tag` failed in this run (`BUILD_RUN_ENV`); nothing without a run id. */
export async function recordBuildFailure(tag: string, message: string, dir = buildLockDir()): Promise<void> {
  const run = process.env[BUILD_RUN_ENV];
  if (!run) return;
  await mkdir(dir, { recursive: true });
  const record: FailureRecord = { run, message, at: new Date().toISOString() };
  await writeFile(join(dir, `${slug(tag)}.failed.json`), JSON.stringify(record));
}

/** The message of a build of `tag` that failed earlier in this run, if one did. */
export async function previousBuildFailure(tag: string, dir = buildLockDir()): Promise<string | undefined> {
  const run = process.env[BUILD_RUN_ENV];
  if (!run) return undefined;
  try {
    const record = JSON.parse(await readFile(join(dir, `${slug(tag)}.failed.json`), 'utf8')) as Partial<FailureRecord>;
    return record.run === run && typeof record.message === 'string' ? record.message : undefined;
  } catch {
    return undefined;
  }
}
