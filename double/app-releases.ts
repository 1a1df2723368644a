/**
 * Every version of the `oidc` and `user_oidc` apps, in release order, with the Nextcloud majors each one
 * installs on: data for `nc-oauth-lab matrix bisect` (which walks an app's releases) and for checking the
 * release lines of version-gates.ts, whose Nextcloud ranges are the union of their versions' ranges.
 *
 * From code: the tags of H2CK/oidc and nextcloud/user_oidc, each tag's `appinfo/info.xml`
 * (`<nextcloud min-version max-version>`) and the date of its CHANGELOG.md entry (a tag without an entry is
 * noted as such). Unreleased versions (a `-dev` version on main that the double already plays) carry
 * `released: false`: bisect walks only released versions unless --from/--to names an unreleased one.
 */
import { compareSemver, parseSemver, type NextcloudMajor } from './version-gates.ts';

/** One version of an app. */
export interface AppRelease {
  version: string;
  /** Nextcloud majors it installs on, inclusive (appinfo/info.xml of its tag). */
  nextcloud: readonly [number, number];
  /** Date of its CHANGELOG.md entry. */
  date?: string;
  /** False for a version that is not released yet (main's next version). Default true. */
  released?: boolean;
  notes?: string;
}

/** The apps whose releases are data. */
export type ReleasedApp = 'oidc' | 'user_oidc';

/** Releases of the `oidc` app (H2CK/oidc) from 1.8.0, the oldest line the double plays. */
export const OIDC_RELEASE_VERSIONS: readonly AppRelease[] = [
  { version: '1.8.0', nextcloud: [30, 31], date: '2025-07-01' },
  { version: '1.8.1', nextcloud: [30, 31], date: '2025-07-03' },
  { version: '1.8.2', nextcloud: [30, 32], date: '2025-07-21' },
  { version: '1.8.3', nextcloud: [30, 32], date: '2025-07-24' },
  { version: '1.8.4', nextcloud: [30, 32], date: '2025-09-02' },
  { version: '1.8.5', nextcloud: [30, 32], date: '2025-09-19' },
  { version: '1.9.0', nextcloud: [30, 32], date: '2025-09-24' },
  { version: '1.10.0', nextcloud: [30, 32], date: '2025-10-20' },
  { version: '1.11.0', nextcloud: [30, 32], date: '2025-11-01' },
  { version: '1.12.0', nextcloud: [30, 32], date: '2025-11-03' },
  { version: '1.12.1', nextcloud: [30, 32], date: '2025-11-03' },
  { version: '1.13.0', nextcloud: [30, 32], date: '2025-11-06' },
  { version: '1.13.1', nextcloud: [30, 32], date: '2025-11-17' },
  { version: '1.14.0', nextcloud: [30, 32], notes: 'a tag; not in CHANGELOG.md' },
  { version: '1.14.1', nextcloud: [30, 32], notes: 'a tag; not in CHANGELOG.md' },
  { version: '1.14.2', nextcloud: [30, 32], date: '2025-12-04' },
  { version: '1.14.3', nextcloud: [30, 32], date: '2025-12-05' },
  { version: '1.14.4', nextcloud: [30, 32], date: '2025-12-12' },
  { version: '1.14.5', nextcloud: [30, 32], date: '2025-12-15' },
  { version: '1.14.6', nextcloud: [31, 33], date: '2026-01-02' },
  { version: '1.14.7', nextcloud: [31, 33], date: '2026-01-12' },
  { version: '1.15.0', nextcloud: [31, 33], date: '2026-01-26' },
  { version: '1.16.0', nextcloud: [31, 33], date: '2026-03-05' },
  { version: '1.16.1', nextcloud: [31, 33], date: '2026-03-06' },
  { version: '1.16.2', nextcloud: [31, 33], date: '2026-03-07' },
  { version: '1.16.3', nextcloud: [31, 33], date: '2026-03-27' },
  { version: '1.16.4', nextcloud: [31, 33], date: '2026-04-09' },
  { version: '1.16.5', nextcloud: [31, 33], date: '2026-04-13' },
  { version: '1.16.6', nextcloud: [31, 33], date: '2026-05-07' },
  { version: '1.17.0', nextcloud: [31, 34], date: '2026-05-29' },
  { version: '2.0.0', nextcloud: [31, 34], date: '2026-06-29' },
  { version: '2.0.1', nextcloud: [31, 34], date: '2026-06-29' },
  { version: '2.0.2', nextcloud: [31, 34], date: '2026-06-30' },
  { version: '2.0.3', nextcloud: [32, 34], date: '2026-07-02' },
  { version: '2.0.4', nextcloud: [32, 34], date: '2026-07-28' },
  { version: '2.0.5', nextcloud: [32, 34], date: '2026-08-10' },
  { version: '2.0.6', nextcloud: [32, 35], date: '2026-08-14' },
  { version: '2.0.7', nextcloud: [32, 35], date: '2026-08-15' },
  { version: '2.0.8', nextcloud: [32, 35], date: '2026-08-19' },
  { version: '2.0.9', nextcloud: [32, 35], date: '2026-08-20' },
];

/** Releases of the `user_oidc` app (nextcloud/user_oidc) from 5.0.0, the oldest line the double plays. */
export const USER_OIDC_RELEASE_VERSIONS: readonly AppRelease[] = [
  { version: '5.0.0', nextcloud: [25, 29], notes: 'a tag; not in the CHANGELOG.md of main' },
  { version: '5.0.1', nextcloud: [25, 29], date: '2024-02-28' },
  { version: '5.0.2', nextcloud: [25, 29], date: '2024-03-18' },
  { version: '5.0.3', nextcloud: [25, 30], date: '2024-06-21' },
  { version: '5.1.0', nextcloud: [25, 25], notes: 'a tag; not in the CHANGELOG.md of main' },
  { version: '6.0.0', nextcloud: [26, 30], date: '2024-07-23' },
  { version: '6.0.1', nextcloud: [26, 30], date: '2024-07-26' },
  { version: '6.1.0', nextcloud: [26, 31], date: '2024-10-15' },
  { version: '6.1.1', nextcloud: [26, 31], date: '2024-10-22' },
  { version: '6.1.2', nextcloud: [26, 31], date: '2024-10-30' },
  { version: '6.2.0', nextcloud: [26, 31], date: '2025-01-20' },
  { version: '6.2.1', nextcloud: [26, 31], date: '2025-01-23' },
  { version: '6.3.0', nextcloud: [26, 32], date: '2025-02-17' },
  { version: '6.3.1', nextcloud: [26, 32], date: '2025-02-25' },
  { version: '6.4.0', nextcloud: [26, 27], notes: 'a tag; not in the CHANGELOG.md of main' },
  { version: '7.0.0', nextcloud: [28, 32], date: '2025-03-07' },
  { version: '7.1.0', nextcloud: [28, 32], date: '2025-03-24' },
  { version: '7.2.0', nextcloud: [28, 32], date: '2025-04-24' },
  { version: '7.3.0', nextcloud: [28, 32], date: '2025-07-25' },
  { version: '7.3.1', nextcloud: [28, 32], date: '2025-08-07' },
  { version: '7.3.2', nextcloud: [28, 32], date: '2025-08-22' },
  { version: '7.4.0', nextcloud: [28, 32], date: '2025-09-01' },
  { version: '7.5.0', nextcloud: [28, 32], notes: 'a tag; not in the CHANGELOG.md of main' },
  { version: '8.0.0', nextcloud: [29, 33], date: '2025-09-22' },
  { version: '8.1.0', nextcloud: [29, 33], date: '2025-10-15' },
  { version: '8.2.0', nextcloud: [29, 33], date: '2025-12-17' },
  { version: '8.2.1', nextcloud: [29, 33], date: '2025-12-17' },
  { version: '8.2.2', nextcloud: [29, 33], date: '2025-12-17' },
  { version: '8.3.0', nextcloud: [29, 33], date: '2026-01-12' },
  { version: '8.4.0', nextcloud: [29, 34], date: '2026-02-19' },
  { version: '8.5.0', nextcloud: [29, 34], date: '2026-03-02' },
  { version: '8.6.0', nextcloud: [29, 34], date: '2026-03-05' },
  { version: '8.6.1', nextcloud: [29, 34], date: '2026-03-10' },
  { version: '8.7.0', nextcloud: [29, 34], date: '2026-03-26' },
  { version: '8.8.0', nextcloud: [29, 34], date: '2026-04-03' },
  { version: '8.9.0', nextcloud: [29, 34], date: '2026-04-16' },
  { version: '8.10.0', nextcloud: [29, 34], date: '2026-04-17' },
  { version: '8.10.1', nextcloud: [29, 34], date: '2026-04-24' },
  {
    version: '8.11.0',
    nextcloud: [29, 35],
    released: false,
    notes: 'unreleased: main carries 8.11.0-dev.0 with NC 35 support and the cookie fix (nextcloud/user_oidc#1486)',
  },
];

/** The versions of an app, in version order. */
export function appReleases(app: ReleasedApp): readonly AppRelease[] {
  return app === 'oidc' ? OIDC_RELEASE_VERSIONS : USER_OIDC_RELEASE_VERSIONS;
}

/** The release of an app with exactly this version, or undefined. */
export function findAppRelease(app: ReleasedApp, version: string): AppRelease | undefined {
  const v = parseSemver(version);
  return v ? appReleases(app).find((r) => compareSemver(parseSemver(r.version)!, v) === 0) : undefined;
}

/** Whether a release installs on a Nextcloud major. */
export function installsOn(release: Pick<AppRelease, 'nextcloud'>, major: NextcloudMajor | number): boolean {
  return major >= release.nextcloud[0] && major <= release.nextcloud[1];
}
