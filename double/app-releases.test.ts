import { describe, expect, it } from 'vitest';
import { appReleases, findAppRelease, installsOn, type ReleasedApp } from './app-releases.ts';
import { compareSemver, DEFAULT_VERSIONS, inRange, NEXTCLOUD_MAJORS, OIDC_RELEASES, parseSemver, USER_OIDC_RELEASES, type ReleaseLine } from './version-gates.ts';

const LINES: Record<ReleasedApp, readonly ReleaseLine[]> = { oidc: OIDC_RELEASES, user_oidc: USER_OIDC_RELEASES };

describe.each(['oidc', 'user_oidc'] as const)('the releases of %s', (app) => {
  const releases = appReleases(app);

  it('are in strictly increasing version order', () => {
    for (let i = 1; i < releases.length; i += 1) expect(compareSemver(parseSemver(releases[i - 1]!.version)!, parseSemver(releases[i]!.version)!), releases[i]!.version).toBeLessThan(0);
  });

  it('each lie in a release line of version-gates.ts, whose Nextcloud range is the union of its versions', () => {
    for (const line of LINES[app]) {
      const inLine = releases.filter((r) => inRange(parseSemver(r.version)!, line.versions));
      expect(inLine.length, `${app} ${line.versions.from}`).toBeGreaterThan(0);
      expect([Math.min(...inLine.map((r) => r.nextcloud[0])), Math.max(...inLine.map((r) => r.nextcloud[1]))], `${app} ${line.versions.from}`).toEqual([...line.nextcloud]);
    }
    for (const r of releases) expect(LINES[app].filter((l) => inRange(parseSemver(r.version)!, l.versions)), r.version).toHaveLength(1);
  });

  it('hold the default version of every major, installable there', () => {
    for (const major of NEXTCLOUD_MAJORS) {
      const version = (app === 'oidc' ? DEFAULT_VERSIONS.oidc : DEFAULT_VERSIONS.userOidc)[major];
      const release = findAppRelease(app, version);
      expect(release, `${app} ${version}`).toBeDefined();
      expect(installsOn(release!, major), `${app} ${version} on ${major}`).toBe(true);
    }
  });
});

describe('findAppRelease and installsOn', () => {
  it('find an exact version and read its Nextcloud range', () => {
    expect(findAppRelease('oidc', '1.10.0')).toMatchObject({ version: '1.10.0', nextcloud: [30, 32] });
    expect(findAppRelease('oidc', '1.10.1')).toBeUndefined();
    expect(findAppRelease('oidc', 'nope')).toBeUndefined();
    expect(installsOn(findAppRelease('oidc', '2.0.5')!, 35)).toBe(false);
    expect(installsOn(findAppRelease('oidc', '2.0.6')!, 35)).toBe(true);
  });

  it('mark user_oidc 8.11.0 unreleased: no released user_oidc installs on Nextcloud 35', () => {
    expect(findAppRelease('user_oidc', '8.11.0')?.released).toBe(false);
    expect(appReleases('user_oidc').filter((r) => r.released !== false && installsOn(r, 35))).toEqual([]);
  });
});
