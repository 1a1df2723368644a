import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageSpecError, nextcloudBuildArgs, prepareBuildContext, REPO_ROOT, validateImageSpec, type NextcloudImageSpec } from './nextcloud-image.ts';

const SPEC: NextcloudImageSpec = { nextcloud: '32', oidc: '1.16.6', userOidc: '8.10.1', patch: 'none', testImage: true };

describe('nextcloudBuildArgs', () => {
  it('maps versions, sources and the patch to the Dockerfile build args', () => {
    expect(nextcloudBuildArgs(SPEC)).toEqual({
      NEXTCLOUD_VERSION: '32',
      PATCH: 'none',
      NC_OAUTH_LAB_TEST_IMAGE: 'true',
      OIDC_SOURCE: 'release',
      OIDC_VERSION: '1.16.6',
      USER_OIDC_SOURCE: 'release',
      USER_OIDC_VERSION: '8.10.1',
    });
    expect(
      nextcloudBuildArgs({
        ...SPEC,
        oidc: { kind: 'release', version: 'v2.0.9', url: 'https://mirror.example.test/oidc.tar.gz' },
        userOidc: { kind: 'git', url: 'https://github.com/nextcloud/user_oidc.git', ref: 'refs/pull/1221/head' },
        patch: 'user_oidc-app-api',
        testImage: false,
      }),
    ).toEqual({
      NEXTCLOUD_VERSION: '32',
      PATCH: 'user_oidc-app-api',
      NC_OAUTH_LAB_TEST_IMAGE: 'false',
      OIDC_SOURCE: 'release',
      OIDC_VERSION: '2.0.9',
      OIDC_RELEASE_URL: 'https://mirror.example.test/oidc.tar.gz',
      USER_OIDC_SOURCE: 'git',
      USER_OIDC_GIT_URL: 'https://github.com/nextcloud/user_oidc.git',
      USER_OIDC_GIT_REF: 'refs/pull/1221/head',
    });
    expect(nextcloudBuildArgs({ ...SPEC, userOidc: { kind: 'directory', path: '/src/user_oidc' } })).toMatchObject({ USER_OIDC_SOURCE: 'context', USER_OIDC_SRC_DIR: '.nc-oauth-lab-src/user_oidc' });
  });

  it('rejects what the image cannot build, with one-line messages', () => {
    const bad: [Partial<NextcloudImageSpec>, string][] = [
      [{ oidc: '1.9.3' }, 'oidc 1.9.3 is not supported: the images need oidc >= 1.10.0 (PKCE)'],
      [{ oidc: 'latest' }, "oidc version 'latest' is not a version like 1.2.3"],
      [{ patch: 'both' as never }, "unknown patch 'both': use one of none, user_oidc-app-api, server-cors"],
      [{ nextcloud: '32-fpm' }, "Nextcloud version '32-fpm' is not an image tag like 32 or 32.0.1"],
    ];
    for (const [change, message] of bad) {
      expect(() => validateImageSpec({ ...SPEC, ...change })).toThrow(message);
      expect(() => nextcloudBuildArgs({ ...SPEC, ...change })).toThrow(ImageSpecError);
    }
    // A checkout's version is checked in the build, from its info.xml.
    expect(() => validateImageSpec({ ...SPEC, oidc: { kind: 'directory', path: '/x' } })).not.toThrow();
  });
});

describe('prepareBuildContext', () => {
  let work: string;
  let repo: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-context-'));
    // A copy of the files a context is made of, so that the tests can change them.
    repo = join(work, 'repo');
    cpSync(join(REPO_ROOT, 'docker/nextcloud'), join(repo, 'docker/nextcloud'), { recursive: true });
    mkdirSync(join(repo, 'bin'), { recursive: true });
    writeFileSync(join(repo, 'bin/nc-oauth-lab.js'), '// cli\n');
    writeFileSync(join(repo, 'package.json'), '{}\n');
    mkdirSync(join(repo, 'node_modules/x'), { recursive: true });
    writeFileSync(join(repo, 'node_modules/x/index.js'), '');
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const files = (dir: string): string[] => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();

  it('holds only docker/nextcloud without a patch, and the repository (no node_modules) with one', async () => {
    const plain = await prepareBuildContext(SPEC, join(work, 'plain'), repo);
    expect(plain.dockerfile).toBe('docker/nextcloud/Dockerfile');
    expect(files(plain.dir).every((f) => f.startsWith('docker/nextcloud/'))).toBe(true);
    expect(files(plain.dir)).toContain('docker/nextcloud/hooks/post-installation/10-nc-oauth-lab-apps.sh');
    const patched = await prepareBuildContext({ ...SPEC, patch: 'user_oidc-app-api' }, join(work, 'patched'), repo);
    expect(files(patched.dir)).toEqual(expect.arrayContaining(['bin/nc-oauth-lab.js', 'package.json', 'docker/nextcloud/Dockerfile']));
    expect(existsSync(join(patched.dir, 'node_modules'))).toBe(false);
    expect(patched.tag).not.toBe(plain.tag);
  });

  it('tags by content: the same inputs give the same tag; hooks, args and checkouts change it', async () => {
    const first = await prepareBuildContext(SPEC, join(work, 'a'), repo);
    const again = await prepareBuildContext(SPEC, join(work, 'b'), repo);
    expect(again.tag).toBe(first.tag);
    expect(first.tag).toMatch(/^nc-oauth-lab\/nextcloud:32-[0-9a-f]{16}$/);
    expect((await prepareBuildContext({ ...SPEC, oidc: '2.0.9' }, join(work, 'c'), repo)).tag).not.toBe(first.tag);
    expect((await prepareBuildContext({ ...SPEC, testImage: false }, join(work, 'd'), repo)).tag).not.toBe(first.tag);

    writeFileSync(join(repo, 'docker/nextcloud/hooks/post-installation/99-extra.sh'), '#!/bin/sh\n', { mode: 0o755 });
    const changedHooks = await prepareBuildContext(SPEC, join(work, 'e'), repo);
    rmSync(join(repo, 'docker/nextcloud/hooks/post-installation/99-extra.sh'));
    expect(changedHooks.tag).not.toBe(first.tag);

    const checkout = join(work, 'user_oidc');
    mkdirSync(join(checkout, 'appinfo'), { recursive: true });
    mkdirSync(join(checkout, 'node_modules/dep'), { recursive: true });
    writeFileSync(join(checkout, 'appinfo/info.xml'), '<info><id>user_oidc</id><version>8.11.0</version></info>\n');
    writeFileSync(join(checkout, 'node_modules/dep/big.js'), 'x');
    const withCheckout = await prepareBuildContext({ ...SPEC, userOidc: { kind: 'directory', path: checkout } }, join(work, 'f'), repo);
    expect(files(withCheckout.dir)).toContain('.nc-oauth-lab-src/user_oidc/appinfo/info.xml');
    expect(files(withCheckout.dir).some((f) => f.includes('node_modules'))).toBe(false);
    writeFileSync(join(checkout, 'lib.php'), '<?php // the PR changed something\n');
    const changedCheckout = await prepareBuildContext({ ...SPEC, userOidc: { kind: 'directory', path: checkout } }, join(work, 'g'), repo);
    expect(changedCheckout.tag).not.toBe(withCheckout.tag);
  });

  it('refuses a directory that is not an app checkout', async () => {
    const error = await prepareBuildContext({ ...SPEC, userOidc: { kind: 'directory', path: join(work, 'nothing-here') } }, join(work, 'h'), repo).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageSpecError);
    expect((error as ImageSpecError).message).toBe(`${join(work, 'nothing-here')} is not a checkout of user_oidc: it has no appinfo/info.xml`);
    expect((error as ImageSpecError).code).toBe('ERR_IMAGE_SPEC');
  });
});
