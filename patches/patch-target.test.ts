import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAppVersion, readPatchTarget, readServerVersion } from './patch-target.ts';
import { serverCorsPatch } from './server-cors.ts';

let root: string;
beforeAll(async () => { root = await mkdtemp(join(tmpdir(), 'nc-oauth-lab-target-')); });
afterAll(async () => { await rm(root, { recursive: true, force: true }); });

async function dirWith(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

describe('version detection from the target', () => {
  it('reads $OC_VersionString, else $OC_Version, from version.php without running it', async () => {
    expect(await readServerVersion(await dirWith('s1', { 'version.php': "<?php\n$OC_Version = array(33, 0, 2, 1);\n$OC_VersionString = '33.0.2';\n" }))).toBe('33.0.2');
    expect(await readServerVersion(await dirWith('s2', { 'version.php': '<?php\n$OC_Version = [31, 0, 9, 3];\n' }))).toBe('31.0.9.3');
    await expect(readServerVersion(await dirWith('s3', { 'version.php': '<?php\n$vendor = "nextcloud";\n' }))).rejects.toMatchObject({
      code: 'ERR_PATCH_TARGET', message: expect.stringMatching(/version\.php sets neither \$OC_VersionString nor \$OC_Version$/),
    });
    await expect(readServerVersion(await dirWith('s4', { 'version.php': '<?php\n$OC_Version = [31, \n' }))).rejects.toMatchObject({ code: 'ERR_PHP_PARSE' });
  });

  it('reads <id> and <version> from appinfo/info.xml and rejects another app, a missing version or bad XML', async () => {
    const info = (body: string): Record<string, string> => ({ 'appinfo/info.xml': `<?xml version="1.0"?>\n<info>${body}</info>\n` });
    expect(await readAppVersion(await dirWith('a1', info('<id>user_oidc</id><version> 8.10.1 </version>')), 'user_oidc')).toBe('8.10.1');
    await expect(readAppVersion(await dirWith('a2', info('<id>user_oidc</id>')), 'user_oidc')).rejects.toMatchObject({ message: expect.stringMatching(/has no <version>$/) });
    await expect(readAppVersion(await dirWith('a3', info('<version>1.0.0</version>')), 'user_oidc')).rejects.toMatchObject({ message: expect.stringMatching(/is an app without <id>, not user_oidc/) });
    await expect(readAppVersion(await dirWith('a4', { 'appinfo/info.xml': '<info><id>user_oidc</id>' }), 'user_oidc')).rejects.toMatchObject({ code: 'ERR_PATCH_TARGET', message: expect.stringMatching(/is not valid XML/) });
  });

  it('reports a missing target file as undefined source (the outcome decides: anchors changed)', async () => {
    const dir = await dirWith('s5', { 'version.php': "<?php\n$OC_VersionString = '32.0.0';\n" });
    const target = await readPatchTarget(serverCorsPatch, dir);
    expect(target).toMatchObject({ version: '32.0.0', label: 'Nextcloud 32.0.0', source: undefined, file: serverCorsPatch.file });
  });
});
