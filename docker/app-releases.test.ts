import { describe, expect, it } from 'vitest';
import { NEXTCLOUD_MAJORS } from '../double/index.ts';
import { APP_RELEASES, compareAppVersions, defaultAppVersion, EXTRA_APPS, IMAGE_APPS, knownAppRelease, releaseAssetName, releaseUrl } from './app-releases.ts';

describe('app releases (data)', () => {
  it('gives each major the newest release whose appinfo/info.xml range holds it, none where no release does', () => {
    const table = Object.fromEntries(EXTRA_APPS.map((app) => [app, NEXTCLOUD_MAJORS.map((m) => defaultAppVersion(app, m) ?? '-').join(' ')]));
    expect(table).toEqual({
      notes: '5.0.2 5.0.2 6.0.2 6.0.2 6.0.2',
      deck: '1.15.9 1.16.7 1.17.4 1.18.3 -',
      tables: '1.0.9 1.0.9 2.2.2 2.2.2 2.2.2',
      calendar: '5.5.23 6.6.0 6.6.0 6.6.0 6.6.0',
      contacts: '7.3.19 8.3.18 8.7.6 8.7.6 -',
    });
  });

  it('lists stable releases with a range and the tag link of each', () => {
    for (const app of EXTRA_APPS) {
      for (const r of APP_RELEASES[app]) {
        expect(r.version, app).toMatch(/^\d+\.\d+\.\d+$/);
        expect(r.nextcloud[0], `${app} ${r.version}`).toBeLessThanOrEqual(r.nextcloud[1]);
        expect(r.link).toBe(`https://github.com/nextcloud/${app}/blob/v${r.version}/appinfo/info.xml`);
      }
      const versions = APP_RELEASES[app].map((r) => r.version);
      expect([...versions].sort(compareAppVersions), `${app} in version order`).toEqual(versions);
    }
    expect(knownAppRelease('notes', 'v4.12.3')?.nextcloud).toEqual([28, 32]);
    expect(knownAppRelease('notes', '4.12.2')).toBeUndefined();
    expect(compareAppVersions('1.10.0', '1.9.3')).toBeGreaterThan(0);
  });

  it('names the tarballs as the release workflows publish them, upstream and on a mirror', () => {
    expect(IMAGE_APPS.map((app) => releaseAssetName(app, 'v1.2.3'))).toEqual([
      'oidc-1.2.3.tar.gz',
      'user_oidc-v1.2.3.tar.gz',
      'notes-v1.2.3.tar.gz',
      'deck-v1.2.3.tar.gz',
      'tables-v1.2.3.tar.gz',
      'calendar-v1.2.3.tar.gz',
      'contacts-v1.2.3.tar.gz',
    ]);
    expect(releaseUrl('user_oidc', '8.10.1')).toBe('https://github.com/nextcloud-releases/user_oidc/releases/download/v8.10.1/user_oidc-v8.10.1.tar.gz');
    expect(releaseUrl('deck', '1.16.7')).toBe('https://github.com/nextcloud-releases/deck/releases/download/v1.16.7/deck-v1.16.7.tar.gz');
    expect(releaseUrl('oidc', '2.0.9', 'http://mirror.example.test/apps/')).toBe('http://mirror.example.test/apps/oidc-2.0.9.tar.gz');
    expect(releaseUrl('contacts', '8.3.18', 'file:///srv/mirror')).toBe('file:///srv/mirror/contacts-v8.3.18.tar.gz');
  });
});
