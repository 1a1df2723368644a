import { installsOn } from '../double/app-releases.ts';
/**
 * The apps the image carries besides `oidc` and `user_oidc`, and which release of each installs on which
 * Nextcloud major, as data: the `<nextcloud min-version max-version>` of each release tag's
 * appinfo/info.xml upstream (read from the tags of nextcloud/notes, nextcloud/deck, nextcloud/tables,
 * nextcloud/calendar and nextcloud/contacts; "from code"). A major gets the newest release whose range
 * holds it; a major no release holds gets no such app (its cells are skipped as "app absent").
 *
 * Release tarballs (what the app store serves) are the GitHub release assets of nextcloud-releases/<app>,
 * named by the release workflow (`.github/workflows/appstore-build-publish.yml`, `asset_name:
 * ${APP_NAME}-${APP_VERSION}.tar.gz` with the tag `vX.Y.Z`); `oidc` publishes `oidc-X.Y.Z.tar.gz` at the
 * tag `X.Y.Z` of H2CK/oidc. A release mirror holds the same file names under one base URL.
 */

/** Every app the image can carry, in the order the hooks enable them. */
export const IMAGE_APPS = ['oidc', 'user_oidc', 'notes', 'deck', 'tables', 'calendar', 'contacts'] as const;

/** One of `IMAGE_APPS`. */
export type ImageApp = (typeof IMAGE_APPS)[number];

/** The apps whose versions follow the Nextcloud major by data (not matrix axes). */
export const EXTRA_APPS = ['notes', 'deck', 'tables', 'calendar', 'contacts'] as const;

/** One of `EXTRA_APPS`. */
export type ExtraApp = (typeof EXTRA_APPS)[number];

/** A release of an app and the Nextcloud majors its appinfo/info.xml accepts (inclusive). */
export interface AppRelease {
  version: string;
  nextcloud: readonly [number, number];
  /** The tag's appinfo/info.xml upstream. */
  link: string;
  /** Why it is listed when it is not the newest for a major (observed on a real instance, ...). */
  note?: string;
}

/** Where an app is developed and released, and how its release tarball is named. */
export interface AppReleaseSource {
  /** The repository the app is developed in (git sources default to it). */
  repository: string;
  /** The repository whose GitHub releases carry the tarballs. */
  releases: string;
  /** The release tag of a version. */
  tag(version: string): string;
  /** The tarball's file name (the same on a mirror). */
  asset(version: string): string;
}

const nextcloudReleases = (app: string): AppReleaseSource => ({
  repository: `https://github.com/nextcloud/${app}`,
  releases: `https://github.com/nextcloud-releases/${app}`,
  tag: (v) => `v${v}`,
  asset: (v) => `${app}-v${v}.tar.gz`,
});

/** How each app's release tarballs are found upstream. */
export const APP_RELEASE_SOURCES: Readonly<Record<ImageApp, AppReleaseSource>> = {
  oidc: { repository: 'https://github.com/H2CK/oidc', releases: 'https://github.com/H2CK/oidc', tag: (v) => v, asset: (v) => `oidc-${v}.tar.gz` },
  user_oidc: nextcloudReleases('user_oidc'),
  notes: nextcloudReleases('notes'),
  deck: nextcloudReleases('deck'),
  tables: nextcloudReleases('tables'),
  calendar: nextcloudReleases('calendar'),
  contacts: nextcloudReleases('contacts'),
};

const info = (app: ExtraApp, version: string): string => `https://github.com/nextcloud/${app}/blob/v${version}/appinfo/info.xml`;
const release = (app: ExtraApp, version: string, nextcloud: readonly [number, number], note?: string): AppRelease => ({ version, nextcloud, link: info(app, version), ...(note ? { note } : {}) });

/**
 * The releases the image chooses from, per app: the newest stable release of each line that is the newest
 * for some major in 31-35, and the releases seen on the recorded real instances. Pre-releases (beta, rc)
 * are never chosen: Deck 1.19.0-beta.1 and Contacts 8.8.0-rc.2 are the only ones for Nextcloud 35.
 */
export const APP_RELEASES: Readonly<Record<ExtraApp, readonly AppRelease[]>> = {
  notes: [
    release('notes', '4.12.3', [28, 32], 'on the recorded Nextcloud 32.0.1 instance'),
    release('notes', '4.13.1', [28, 34]),
    release('notes', '5.0.2', [30, 32]),
    release('notes', '6.0.2', [33, 35], 'on the recorded Nextcloud 34.0.1 instance'),
  ],
  deck: [
    // Deck releases one line per Nextcloud major.
    release('deck', '1.15.9', [31, 31]),
    release('deck', '1.16.7', [32, 32]),
    release('deck', '1.17.4', [33, 33]),
    release('deck', '1.18.3', [34, 34]),
  ],
  tables: [release('tables', '1.0.9', [30, 32]), release('tables', '2.2.2', [33, 35])],
  calendar: [
    release('calendar', '5.5.23', [30, 32]),
    release('calendar', '6.0.3', [32, 32], 'on the recorded Nextcloud 32.0.1 instance'),
    release('calendar', '6.6.0', [32, 35]),
  ],
  contacts: [
    release('contacts', '7.3.19', [30, 32]),
    release('contacts', '8.0.6', [32, 32], 'on the recorded Nextcloud 32.0.1 instance'),
    release('contacts', '8.3.18', [32, 33]),
    release('contacts', '8.7.6', [33, 34]),
  ],
};

function parts(version: string): number[] {
  return (/^v?(\d+(?:\.\d+)*)/.exec(version)?.[1] ?? '0').split('.').map(Number);
}

/** Negative, zero or positive as `a` is older than, equal to or newer than `b` (numeric parts). */
export function compareAppVersions(a: string, b: string): number {
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i += 1) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The newest release of `app` that installs on Nextcloud `major`, or undefined when there is none. */
export function defaultAppVersion(app: ExtraApp, major: number): string | undefined {
  const fits = APP_RELEASES[app].filter((r) => installsOn(r, major));
  return fits.sort((a, b) => compareAppVersions(b.version, a.version))[0]?.version;
}

/** The known release `version` of `app`, if the data lists it. */
export function knownAppRelease(app: ExtraApp, version: string): AppRelease | undefined {
  return APP_RELEASES[app].find((r) => r.version === version.replace(/^v/, ''));
}

/** The tarball's file name of `app` at `version` (what a release mirror must hold), e.g. `notes-v5.0.2.tar.gz`. */
export function releaseAssetName(app: ImageApp, version: string): string {
  return APP_RELEASE_SOURCES[app].asset(version.replace(/^v/, ''));
}

/**
 * The URL of an app's release tarball: under `mirror` (a base URL; its trailing slash optional) by the
 * upstream file name, else the upstream GitHub release asset.
 */
export function releaseUrl(app: ImageApp, version: string, mirror?: string): string {
  const v = version.replace(/^v/, '');
  const source = APP_RELEASE_SOURCES[app];
  if (mirror) return `${mirror.replace(/\/+$/, '')}/${source.asset(v)}`;
  return `${source.releases}/releases/download/${source.tag(v)}/${source.asset(v)}`;
}

/** True for an app id of `IMAGE_APPS`. */
export function isImageApp(app: string): app is ImageApp {
  return (IMAGE_APPS as readonly string[]).includes(app);
}

/** True for an app id of `EXTRA_APPS`. */
export function isExtraApp(app: string): app is ExtraApp {
  return (EXTRA_APPS as readonly string[]).includes(app);
}
