import type { Project } from '@playwright/test';
import { PATCH_IDS } from '../patches/index.ts';
import {
  compareSemver,
  inRange,
  NEXTCLOUD_MAJORS,
  OIDC_RELEASES,
  parseSemver,
  USER_OIDC_RELEASES,
  validateVersions,
  VersionError,
  type NextcloudMajor,
  type ReleaseLine,
} from '../double/version-gates.ts';

/** The companion patch ids, from patches/ (issue 3); the expectations lint rejects any other id. */
export { PATCH_IDS, type PatchId } from '../patches/index.ts';

/** What a variant runs with: no patch, or one companion patch. */
export const PATCH_MODES = ['none', ...PATCH_IDS] as const;

/** `none` or a patch id. */
export type PatchMode = (typeof PATCH_MODES)[number];

/** Who made the Nextcloud a variant ran against. */
export const PROVIDERS = ['double', 'docker', 'external'] as const;

/** `double` (the Nextcloud double), `docker` (an image built by docker/) or `external` (an instance given by URL). */
export type Provider = (typeof PROVIDERS)[number];

/**
 * One variant of the matrix, one Playwright project: Nextcloud major x `oidc` x `user_oidc` x patch x
 * whether the MCP server sends `OCS-APIRequest: true` to Nextcloud.
 */
export interface Variant {
  nextcloud: NextcloudMajor;
  oidc: string;
  userOidc: string;
  patch: PatchMode;
  /** Whether the included MCP server sends `OCS-APIRequest: true` (facts page: NC >= 31 then passes CSRF). */
  ocsHeader: boolean;
  /**
   * The exact Nextcloud release of a real instance (status.php `versionstring`, `32.0.1`), once found: an
   * external instance before the run, a docker one when it is up. Absent for the double, which plays a
   * major. Not an axis: a variant of `32.0.1` is the `nextcloud: 32` variant of that release.
   */
  nextcloudVersion?: string;
}

/** The `major.minor.patch` release of a status.php `versionstring` (`32.0.1`, also of `32.0.1 RC1`), or undefined. */
export function exactNextcloudVersion(versionstring: string): string | undefined {
  return /^\d+\.\d+\.\d+/.exec(versionstring.trim())?.[0];
}

/** A variant as it comes from JSON or a command line, before `checkVariant` has checked it. */
export type VariantInput = Omit<Variant, 'nextcloud' | 'patch'> & { nextcloud: number; patch: string };

/** What the matrix reporter reads from a Playwright project's metadata. */
export interface VariantMetadata {
  variant: Variant;
  provider: Provider;
}

/** Project settings shared by every variant project (`use`, `testMatch`, `retries`...). */
export type ProjectBase = Omit<Project, 'name' | 'metadata'>;

/** A Playwright project for one variant, as `defineConfig({ projects })` takes it. */
export type VariantProject<Base extends ProjectBase = ProjectBase> = Base & {
  name: string;
  metadata: VariantMetadata;
};

/** A variant that is malformed, unknown or repeated. */
export class VariantError extends Error {
  readonly code = 'ERR_VARIANT';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VariantError';
  }
}

/**
 * The stable, readable key of a variant, also its Playwright project name:
 * `nc32-oidc1.16.6-uo8.10.1-none-hdr` (`-nohdr` when the MCP server sends no `OCS-APIRequest`); a real
 * instance's exact release replaces the major: `nc32.0.1-oidc1.16.6-uo8.10.1-none-hdr`. `matrix diff`
 * matches variants by their axes, so both match.
 */
export function variantKey(v: Variant): string {
  return `nc${v.nextcloudVersion ?? v.nextcloud}-oidc${v.oidc}-uo${v.userOidc}-${v.patch}-${v.ocsHeader ? 'hdr' : 'nohdr'}`;
}

const KEY_PATTERN = /^nc(\d+)((?:\.\d+){2})?-oidc(\d[\d.]*)-uo(\d[\d.]*)-(.+)-(hdr|nohdr)$/;

/** Parses a key made by `variantKey` (with a major or an exact release); throws a VariantError naming what is wrong. */
export function parseVariantKey(key: string): Variant {
  const m = KEY_PATTERN.exec(key);
  if (!m) throw new VariantError(`'${key}' is not a variant key such as nc32-oidc1.16.6-uo8.10.1-none-hdr or nc32.0.1-oidc1.16.6-uo8.10.1-none-hdr`);
  return checkVariant({
    nextcloud: Number(m[1]) as NextcloudMajor,
    ...(m[2] ? { nextcloudVersion: `${m[1]}${m[2]}` } : {}),
    oidc: m[3]!,
    userOidc: m[4]!,
    patch: m[5] as PatchMode,
    ocsHeader: m[6] === 'hdr',
  });
}

/** Checks that a variant names known versions that install together and a known patch mode; returns it typed. */
export function checkVariant(v: VariantInput): Variant {
  if (!(PATCH_MODES as readonly string[]).includes(v.patch)) {
    throw new VariantError(`unknown patch '${v.patch}': use one of ${PATCH_MODES.join(', ')}`);
  }
  if (typeof v.ocsHeader !== 'boolean') throw new VariantError(`ocsHeader must be true or false in variant ${JSON.stringify(v)}`);
  if (v.nextcloudVersion !== undefined && (exactNextcloudVersion(v.nextcloudVersion) !== v.nextcloudVersion || Number(v.nextcloudVersion.split('.')[0]) !== v.nextcloud)) {
    throw new VariantError(`nextcloudVersion '${v.nextcloudVersion}' is not a ${v.nextcloud}.x.y release: give the instance's status.php versionstring, such as ${v.nextcloud}.0.1`);
  }
  try {
    validateVersions(v as Variant);
  } catch (error) {
    if (error instanceof VersionError) throw new VariantError(error.message, { cause: error });
    throw error;
  }
  return v as Variant;
}

/** Orders variants by Nextcloud major, oidc, user_oidc, patch mode (as PATCH_MODES), then without header first. */
export function compareVariants(a: Variant, b: Variant): number {
  const semver = (s: string): [number, number, number] => (parseSemver(s) as [number, number, number] | undefined) ?? [0, 0, 0];
  return (
    a.nextcloud - b.nextcloud ||
    compareSemver(semver(a.oidc), semver(b.oidc)) ||
    compareSemver(semver(a.userOidc), semver(b.userOidc)) ||
    PATCH_MODES.indexOf(a.patch) - PATCH_MODES.indexOf(b.patch) ||
    Number(a.ocsHeader) - Number(b.ocsHeader)
  );
}

/**
 * The Playwright `projects` array for a list of variants: one project per variant, named by its key, with
 * `metadata: { variant, provider }` that fixtures and the matrix reporter read. `base` is merged into every
 * project (for `use`, `testMatch`, `retries`...). Throws a VariantError on an invalid or repeated variant.
 */
export function matrixProjects<Base extends ProjectBase = ProjectBase>(
  variants: readonly VariantInput[],
  provider: Provider,
  base: Base = {} as Base,
): VariantProject<Base>[] {
  if (!(PROVIDERS as readonly string[]).includes(provider)) throw new VariantError(`unknown provider '${provider}': use one of ${PROVIDERS.join(', ')}`);
  const seen = new Set<string>();
  return variants.map((input) => {
    const v = checkVariant(input);
    const name = variantKey(v);
    if (seen.has(name)) throw new VariantError(`variant ${name} is listed twice`);
    seen.add(name);
    return { ...base, name, metadata: { variant: { ...v }, provider } };
  });
}

/** The variant and provider of a Playwright project made by `matrixProjects`, or undefined for other projects. */
export function projectVariant(project: { name: string; metadata?: unknown }): VariantMetadata | undefined {
  const meta = project.metadata as Partial<VariantMetadata> | undefined;
  if (!meta || typeof meta !== 'object' || !meta.variant || !meta.provider) return undefined;
  if (!(PROVIDERS as readonly string[]).includes(meta.provider)) throw new VariantError(`project ${project.name}: unknown provider '${String(meta.provider)}'`);
  return { variant: checkVariant(meta.variant), provider: meta.provider };
}

/** The axes of a matrix: every combination becomes a variant. */
export interface VariantAxes {
  nextcloud: readonly NextcloudMajor[];
  /** oidc versions; a version that does not install on a major is left out for that major. */
  oidc: readonly string[];
  userOidc: readonly string[];
  patch: readonly PatchMode[];
  ocsHeader: readonly boolean[];
}

/**
 * Every combination of the axes whose versions install together (an oidc line that does not support a
 * Nextcloud major is left out for that major), sorted with `compareVariants`. Throws a VariantError when
 * an axis is empty, names an unknown version or patch, or no combination installs at all.
 */
export function variantsFromAxes(axes: VariantAxes): Variant[] {
  for (const [name, values] of Object.entries(axes)) {
    if ((values as readonly unknown[]).length === 0) throw new VariantError(`the ${name} axis is empty: give at least one value`);
  }
  for (const major of axes.nextcloud) {
    if (!(NEXTCLOUD_MAJORS as readonly number[]).includes(major)) throw new VariantError(`Nextcloud ${major} is not supported: use one of ${NEXTCLOUD_MAJORS.join(', ')}`);
  }
  const known = (app: string, version: string, lines: readonly ReleaseLine[]): void => {
    const sv = parseSemver(version);
    if (!sv || !lines.some((l) => inRange(sv, l.versions))) throw new VariantError(`unknown ${app} version '${version}': use a released version such as ${lines.at(-1)!.versions.from}`);
  };
  for (const v of axes.oidc) known('oidc', v, OIDC_RELEASES);
  for (const v of axes.userOidc) known('user_oidc', v, USER_OIDC_RELEASES);
  for (const p of axes.patch) {
    if (!(PATCH_MODES as readonly string[]).includes(p)) throw new VariantError(`unknown patch '${p}': use one of ${PATCH_MODES.join(', ')}`);
  }
  const out: Variant[] = [];
  const reasons: string[] = [];
  for (const nextcloud of axes.nextcloud) {
    for (const oidc of axes.oidc) {
      for (const userOidc of axes.userOidc) {
        for (const patch of axes.patch) {
          for (const ocsHeader of axes.ocsHeader) {
            try {
              out.push(checkVariant({ nextcloud, oidc, userOidc, patch, ocsHeader }));
            } catch (error) {
              if (!(error instanceof VariantError)) throw error;
              reasons.push(error.message);
            }
          }
        }
      }
    }
  }
  if (out.length === 0) throw new VariantError(`no combination installs together: ${reasons[0] ?? 'empty axes'}`);
  const keys = new Set<string>();
  return out.sort(compareVariants).filter((v) => {
    const k = variantKey(v);
    if (keys.has(k)) return false;
    keys.add(k);
    return true;
  });
}
