import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageSpecError, nextcloudBuildArgs, prepareBuildContext, REPO_ROOT, resolvedApps, validateImageSpec, type NextcloudImageSpec } from './nextcloud-image.ts';

const SPEC: NextcloudImageSpec = { nextcloud: '32', oidc: '1.16.6', userOidc: '8.10.1', patch: 'none', testImage: true };

/** The extra apps' build args of Nextcloud 32 by data (docker/app-releases.ts). */
const APPS_32 = {
  NOTES_SOURCE: 'release',
  NOTES_VERSION: '5.0.2',
  DECK_SOURCE: 'release',
  DECK_VERSION: '1.16.7',
  TABLES_SOURCE: 'release',
  TABLES_VERSION: '1.0.9',
  CALENDAR_SOURCE: 'release',
  CALENDAR_VERSION: '6.6.0',
  CONTACTS_SOURCE: 'release',
  CONTACTS_VERSION: '8.3.18',
};

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
      ...APPS_32,
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
      ...APPS_32,
    });
    expect(nextcloudBuildArgs({ ...SPEC, userOidc: { kind: 'directory', path: '/src/user_oidc' } })).toMatchObject({ USER_OIDC_SOURCE: 'context', USER_OIDC_SRC_DIR: '.nc-oauth-lab-src/user_oidc' });
  });

  it('chooses the extra apps per major by data; a major without a release goes without the app', () => {
    expect(resolvedApps({ ...SPEC, nextcloud: '35.0.0' })).toEqual({
      oidc: { kind: 'release', version: '1.16.6' },
      user_oidc: { kind: 'release', version: '8.10.1' },
      notes: { kind: 'release', version: '6.0.2' },
      deck: null,
      tables: { kind: 'release', version: '2.2.2' },
      calendar: { kind: 'release', version: '6.6.0' },
      contacts: null,
    });
    expect(nextcloudBuildArgs({ ...SPEC, nextcloud: '35', oidc: '2.0.9' })).toMatchObject({ DECK_SOURCE: 'none', CONTACTS_SOURCE: 'none', NOTES_VERSION: '6.0.2' });
    expect(nextcloudBuildArgs({ ...SPEC, nextcloud: '35', oidc: '2.0.9' })).not.toHaveProperty('DECK_VERSION');
  });

  it('pins, leaves out, and takes git, directory and built sources for any app', () => {
    const work = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-args-'));
    try {
      const built = join(work, 'tables');
      for (const d of ['appinfo', 'vendor', 'js']) mkdirSync(join(built, d), { recursive: true });
      const checkout = join(work, 'calendar');
      mkdirSync(join(checkout, 'appinfo'), { recursive: true });
      const args = nextcloudBuildArgs({
        ...SPEC,
        oidc: { kind: 'directory', path: built },
        apps: { notes: '4.12.3', deck: null, tables: { kind: 'directory', path: built }, calendar: { kind: 'directory', path: checkout }, contacts: { kind: 'git', url: 'https://github.com/nextcloud/contacts.git', ref: 'refs/pull/4711/head' } },
      });
      expect(args).toMatchObject({
        OIDC_SOURCE: 'built',
        OIDC_SRC_DIR: '.nc-oauth-lab-src/oidc',
        NOTES_SOURCE: 'release',
        NOTES_VERSION: '4.12.3',
        DECK_SOURCE: 'none',
        TABLES_SOURCE: 'built',
        TABLES_SRC_DIR: '.nc-oauth-lab-src/tables',
        CALENDAR_SOURCE: 'context',
        CALENDAR_SRC_DIR: '.nc-oauth-lab-src/calendar',
        CONTACTS_SOURCE: 'git',
        CONTACTS_GIT_URL: 'https://github.com/nextcloud/contacts.git',
        CONTACTS_GIT_REF: 'refs/pull/4711/head',
      });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('passes the release mirror and the base images as build args', () => {
    const args = nextcloudBuildArgs({ ...SPEC, releaseMirror: 'http://mirror.example.test/apps/', baseImages: { nextcloud: 'registry.example.test/nextcloud:32-apache', node: 'registry.example.test/node:20', composer: 'registry.example.test/composer:2' } });
    expect(args).toMatchObject({
      RELEASE_MIRROR: 'http://mirror.example.test/apps/',
      NEXTCLOUD_IMAGE: 'registry.example.test/nextcloud:32-apache',
      NODE_IMAGE: 'registry.example.test/node:20',
      APP_NODE_IMAGE: 'registry.example.test/node:20',
      COMPOSER_IMAGE: 'registry.example.test/composer:2',
    });
    expect(args).not.toHaveProperty('NOTES_RELEASE_URL');
  });

  it('rejects what the image cannot build, with one-line messages', () => {
    const bad: [Partial<NextcloudImageSpec>, string][] = [
      [{ oidc: '1.9.3' }, 'oidc 1.9.3 is not supported: the images need oidc >= 1.10.0 (PKCE)'],
      [{ oidc: 'latest' }, "oidc version 'latest' is not a version like 1.2.3"],
      [{ patch: 'both' as never }, "unknown patch 'both': use one of none, user_oidc-app-api, server-cors"],
      [{ nextcloud: '32-fpm' }, "Nextcloud version '32-fpm' is not an image tag like 32 or 32.0.1"],
      [{ nextcloud: '34', oidc: '2.0.9', apps: { notes: '4.12.3' } }, 'notes 4.12.3 does not install on Nextcloud 34: its appinfo/info.xml accepts 28-32 (https://github.com/nextcloud/notes/blob/v4.12.3/appinfo/info.xml)'],
      [{ apps: { deck: 'newest' } }, "deck version 'newest' is not a version like 1.2.3"],
      [{ apps: { spreed: '20.0.0' } as never }, "unknown app 'spreed': the image carries notes, deck, tables, calendar, contacts besides oidc and user_oidc"],
      [{ releaseMirror: 'mirror.example.test' }, "release mirror 'mirror.example.test' is not an http(s) or file URL"],
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
    expect((await prepareBuildContext({ ...SPEC, apps: { deck: null } }, join(work, 'd2'), repo)).tag).not.toBe(first.tag);
    // A mirror holds the same tarballs (the build checks the version): the image it builds is the same one.
    const mirrored = await prepareBuildContext({ ...SPEC, releaseMirror: 'http://mirror.example.test/apps' }, join(work, 'd3'), repo);
    expect(mirrored.tag).toBe(first.tag);
    expect(mirrored.buildArgs['RELEASE_MIRROR']).toBe('http://mirror.example.test/apps');

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

  it('copies a directory source of any app into the context, vendor/ and js/ included', async () => {
    const built = join(work, 'notes-built');
    for (const d of ['appinfo', 'vendor/composer', 'js', 'node_modules/x']) mkdirSync(join(built, d), { recursive: true });
    writeFileSync(join(built, 'appinfo/info.xml'), '<info><id>notes</id><version>5.1.0-dev</version></info>\n');
    writeFileSync(join(built, 'vendor/autoload.php'), '<?php\n');
    writeFileSync(join(built, 'js/notes-main.js'), '//\n');
    writeFileSync(join(built, 'node_modules/x/y.js'), '//\n');
    const prepared = await prepareBuildContext({ ...SPEC, apps: { notes: { kind: 'directory', path: built } } }, join(work, 'i'), repo);
    expect(prepared.buildArgs).toMatchObject({ NOTES_SOURCE: 'built', NOTES_SRC_DIR: '.nc-oauth-lab-src/notes' });
    expect(files(prepared.dir).filter((f) => f.startsWith('.nc-oauth-lab-src/'))).toEqual(['.nc-oauth-lab-src/notes/appinfo/info.xml', '.nc-oauth-lab-src/notes/js/notes-main.js', '.nc-oauth-lab-src/notes/vendor/autoload.php']);
    const error = await prepareBuildContext({ ...SPEC, apps: { deck: { kind: 'directory', path: join(work, 'no-deck') } } }, join(work, 'j'), repo).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`${join(work, 'no-deck')} is not a checkout of deck: it has no appinfo/info.xml`);
  });

  it('refuses a directory that is not an app checkout', async () => {
    const error = await prepareBuildContext({ ...SPEC, userOidc: { kind: 'directory', path: join(work, 'nothing-here') } }, join(work, 'h'), repo).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageSpecError);
    expect((error as ImageSpecError).message).toBe(`${join(work, 'nothing-here')} is not a checkout of user_oidc: it has no appinfo/info.xml`);
    expect((error as ImageSpecError).code).toBe('ERR_IMAGE_SPEC');
  });
});
