import { randomBytes } from 'node:crypto';
import { chown, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PatchWriteError } from './patch-error.ts';

/**
 * Replaces the file at `path` with `text` atomically: writes a temporary file beside it (same mode, and same
 * owner when run as root), flushes it, checks that the file still holds `expected`, then renames the
 * temporary file over it. On any failure the original is left untouched and the temporary file removed.
 */
export async function writeFileAtomic(path: string, text: string, expected: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.nc-oauth-lab-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  let created = false;
  try {
    const info = await stat(path);
    const handle = await open(tmp, 'wx', info.mode & 0o7777);
    created = true;
    try {
      await handle.writeFile(text, 'utf8');
      await handle.chmod(info.mode & 0o7777);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (process.getuid?.() === 0) await chown(tmp, info.uid, info.gid);
    if ((await readFile(path, 'utf8')) !== expected) throw new PatchWriteError(`${path} changed while it was being patched: nothing written, run the command again`);
    await rename(tmp, path);
    created = false;
  } catch (error) {
    if (error instanceof PatchWriteError) throw error;
    throw new PatchWriteError(`cannot write ${path}: ${(error as Error).message}`, { cause: error });
  } finally {
    if (created) await unlink(tmp).catch(() => undefined);
  }
}
