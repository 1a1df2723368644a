import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './write-file-atomic.ts';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'nc-oauth-lab-atomic-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe('writeFileAtomic', () => {
  it('replaces the file, keeps its mode and leaves no temporary file', async () => {
    const path = join(dir, 'Backend.php');
    await writeFile(path, 'old');
    await chmod(path, 0o640);
    await writeFileAtomic(path, 'new', 'old');
    expect(await readFile(path, 'utf8')).toBe('new');
    expect((await stat(path)).mode & 0o777).toBe(0o640);
    expect(await readdir(dir)).toEqual(['Backend.php']);
  });

  it('writes nothing when the file changed since it was read', async () => {
    const path = join(dir, 'Changed.php');
    await writeFile(path, 'changed by someone else');
    await expect(writeFileAtomic(path, 'new', 'old')).rejects.toMatchObject({ code: 'ERR_PATCH_WRITE', message: `${path} changed while it was being patched: nothing written, run the command again` });
    expect(await readFile(path, 'utf8')).toBe('changed by someone else');
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('fails with ERR_PATCH_WRITE when the file is gone', async () => {
    await expect(writeFileAtomic(join(dir, 'missing.php'), 'x', '')).rejects.toMatchObject({ code: 'ERR_PATCH_WRITE' });
  });
});
