import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EXTRA_APPS, IMAGE_APPS, isExtraApp, isImageApp, knownAppRelease, releaseAssetName, type AppSource, type ImageApp } from '../docker/index.ts';
import { DEFAULT_VERSIONS, NEXTCLOUD_MAJORS, type NextcloudMajor } from '../double/index.ts';
import {
  ADMIN_PASSWORD_ENV,
  BUILD_RUN_ENV,
  DOCKER_DATABASES,
  DockerNextcloud,
  HarnessError,
  RELEASE_MIRROR_ENV,
  SecretRedactor,
  commandLineOcc,
  detectPatch,
  listApps,
  normaliseBaseUrl,
  readStatus,
  startChromium,
  variantFromStatus,
  type DockerDatabase,
} from '../harness/index.ts';
import {
  DEFAULT_MATRIX_AXES,
  DEFAULT_MATRIX_OUT,
  PATCH_MODES,
  PROGRESS_REPORTERS,
  PROVIDERS,
  REPORT_FILES,
  MatrixRunError,
  VariantError,
  checkVariant,
  exactNextcloudVersion,
  dockerOptionsForVariant,
  matrixVariants,
  mergeMatrixReports,
  parseShard,
  problemLines,
  runMatrix,
  summaryLines,
  variantKey,
  type MatrixOutcome,
  type MatrixSpec,
  type PatchMode,
  type Provider,
  type Variant,
} from '../scenarios/index.ts';
import { CliError, intOption, type CommandContext, type CommandSpec, type OptionSpec } from './command.ts';

/** Options of `nc-oauth-lab matrix` (the run). */
export const MATRIX_RUN_OPTIONS: Record<string, OptionSpec> = {
  provider: { type: 'string', choices: PROVIDERS, description: 'Where each variant\'s Nextcloud comes from: the in-process double, a container per variant, or one running instance.', default: 'double' },
  nextcloud: { type: 'string', valueName: 'MAJORS', description: `Nextcloud majors, comma-separated (${NEXTCLOUD_MAJORS.join(', ')}; default ${DEFAULT_MATRIX_AXES.nextcloud.join(',')}); external: the instance's major.` },
  oidc: { type: 'string', valueName: 'VERSIONS', description: 'double, docker: oidc app versions, comma-separated (default: the newest for each major); a version that does not install on a major is left out for it.' },
  'user-oidc': { type: 'string', valueName: 'VERSIONS', description: 'double, docker: user_oidc app versions, comma-separated (default: the newest for each major).' },
  patch: { type: 'string', valueName: 'MODES', description: `Patch modes, comma-separated (${PATCH_MODES.join(', ')}; default ${DEFAULT_MATRIX_AXES.patch.join(',')}); external: the instance's one mode when occ integrity:check cannot tell.` },
  'ocs-header': { type: 'string', valueName: 'on,off', description: 'Whether the included MCP server sends OCS-APIRequest: true to Nextcloud, comma-separated.', default: 'on,off' },
  out: { type: 'string', valueName: 'DIR', description: `Report directory: ${Object.values(REPORT_FILES).join(', ')}, logs/ and artifacts/ of failed cells, blob-report/ for a shard.`, default: DEFAULT_MATRIX_OUT },
  shard: { type: 'string', valueName: 'i/n', description: "Run only Playwright's shard i of n; its blob report goes to <out>/blob-report for 'matrix merge'." },
  workers: { type: 'string', valueName: 'N', description: 'Playwright workers: variants run in parallel, one instance per worker and variant (default: half the cores; external: 1).' },
  expectations: { type: 'string', valueName: 'DIR', description: 'Expectations data to classify the cells with, instead of scenarios/expectations (also NC_OAUTH_LAB_EXPECTATIONS).' },
  grep: { type: 'string', valueName: 'REGEXP', description: 'Run only the scenarios whose title matches (Playwright --grep); the matrix has only their cells.' },
  'max-failures': { type: 'string', valueName: 'N', description: "Stop the run after N failed Playwright tests (Playwright's --max-failures); the matrix is then interrupted." },
  'global-timeout': { type: 'string', valueName: 'SECONDS', description: "Stop the run after this long (Playwright's --global-timeout); the matrix is then interrupted." },
  progress: { type: 'string', choices: PROGRESS_REPORTERS, description: "Playwright's progress reporter on stderr (null: none).", default: 'list' },
  url: { type: 'string', valueName: 'URL', description: 'external: Nextcloud as this machine reaches it.' },
  'public-url': { type: 'string', valueName: 'URL', description: 'external: Nextcloud as a browser and the token issuer see it, when it differs from --url.' },
  'admin-user': { type: 'string', valueName: 'UID', description: `external: an admin account (its password in ${ADMIN_PASSWORD_ENV}).`, default: 'admin' },
  occ: { type: 'string', valueName: 'COMMAND', description: 'external: the command line that runs occ, e.g. "docker exec -u www-data nc php occ".' },
  'protections-off': { type: 'boolean', description: 'external: turn brute-force and rate-limit protection off while running (restored after).' },
  database: { type: 'string', choices: DOCKER_DATABASES, description: 'docker: the database of each variant\'s Nextcloud (default sqlite).' },
  'user-oidc-src': { type: 'string', valueName: 'DIR', description: 'docker: short for --app-src user_oidc=DIR.' },
  app: {
    type: 'string',
    multiple: true,
    valueName: 'APP@VERSION',
    description: `docker: pin ${EXTRA_APPS.join(', ')} to a release (notes@4.12.3), or leave one out (deck@none: its cells are skipped); repeatable. Default: the newest release that installs on each major.`,
  },
  'app-src': {
    type: 'string',
    multiple: true,
    valueName: 'APP=DIR|URL#REF',
    description: `docker: build an app (${IMAGE_APPS.join(', ')}) from a local checkout (a pull request; a directory with vendor/ and js/ is used as built) or a git URL and ref; repeatable.`,
  },
  'release-mirror': {
    type: 'string',
    valueName: 'URL',
    description: `docker: base URL under which the release tarballs are found by their upstream names (oidc-X.Y.Z.tar.gz, APP-vX.Y.Z.tar.gz; also ${RELEASE_MIRROR_ENV}).`,
  },
};

function text(ctx: CommandContext, name: string): string | undefined {
  const value = ctx.values[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function list(ctx: CommandContext, name: string): string[] | undefined {
  const value = text(ctx, name);
  if (value === undefined) return undefined;
  const items = [...new Set(value.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
  if (items.length === 0) throw new CliError(`--${name} is empty: give at least one value`);
  return items;
}

function majors(ctx: CommandContext): NextcloudMajor[] {
  return (list(ctx, 'nextcloud') ?? DEFAULT_MATRIX_AXES.nextcloud.map(String)).map((m) => {
    if (!/^\d+$/.test(m) || !(NEXTCLOUD_MAJORS as readonly number[]).includes(Number(m))) throw new CliError(`--nextcloud: unknown Nextcloud major '${m}': use ${NEXTCLOUD_MAJORS.join(', ')}`);
    return Number(m) as NextcloudMajor;
  });
}

function patches(ctx: CommandContext): PatchMode[] {
  return (list(ctx, 'patch') ?? [...DEFAULT_MATRIX_AXES.patch]).map((p) => {
    if (!(PATCH_MODES as readonly string[]).includes(p)) throw new CliError(`--patch: unknown patch '${p}': use ${PATCH_MODES.join(', ')}`);
    return p as PatchMode;
  });
}

function headerModes(ctx: CommandContext): boolean[] {
  return (list(ctx, 'ocs-header') ?? []).map((h) => {
    if (h !== 'on' && h !== 'off') throw new CliError(`--ocs-header takes on and/or off, not '${h}'`);
    return h === 'on';
  });
}

/** One line per chunk of a child's output (the CLI's `err` writes whole lines). */
function lineWriter(write: (line: string) => void): { push(chunk: string): void; flush(): void } {
  let pending = '';
  return {
    push(chunk) {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) write(line.replace(/\r$/, ''));
    },
    flush() {
      if (pending !== '') write(pending);
      pending = '';
    },
  };
}

/**
 * The external instance's one variant, read before anything starts: status.php (an unreachable or
 * uninstalled Nextcloud is a user error, exit 2), the apps' versions from `occ app:list`, the patch from
 * `occ integrity:check-*` or --patch. Given versions must match what the instance has.
 */
async function externalVariant(ctx: CommandContext, secrets: SecretRedactor): Promise<{ variant: Omit<Variant, 'ocsHeader'>; external: NonNullable<MatrixSpec['external']> }> {
  const url = text(ctx, 'url');
  const occLine = text(ctx, 'occ');
  if (!url) throw new CliError('--provider external needs --url, the address of the running Nextcloud');
  if (!occLine) throw new CliError('--provider external needs --occ, the command line that runs occ (e.g. "docker exec -u www-data nc php occ")');
  const password = process.env[ADMIN_PASSWORD_ENV];
  if (!password) throw new CliError(`--provider external needs the admin password in ${ADMIN_PASSWORD_ENV}`);
  secrets.add(password);
  const baseUrl = normaliseBaseUrl(url);
  const status = await readStatus(baseUrl);
  const occ = commandLineOcc(occLine);
  const found = variantFromStatus(baseUrl, status, await listApps(occ, secrets));
  const givenPatch = list(ctx, 'patch');
  let patch: PatchMode;
  const detected = await detectPatch(occ);
  if (detected.patch !== 'unknown') patch = detected.patch;
  else if (givenPatch && givenPatch.length === 1) patch = patches(ctx)[0]!;
  else throw new CliError(`cannot tell which patch ${baseUrl} carries (occ integrity:check found no signature): give it as --patch with one of ${PATCH_MODES.join(', ')}`);
  const release = exactNextcloudVersion(found.nextcloud);
  const variant = { nextcloud: found.nextcloudMajor as NextcloudMajor, ...(release ? { nextcloudVersion: release } : {}), oidc: found.oidc, userOidc: found.userOidc, patch };
  const mismatch = [
    list(ctx, 'oidc') && !list(ctx, 'oidc')!.includes(variant.oidc) ? `oidc ${variant.oidc}` : '',
    list(ctx, 'user-oidc') && !list(ctx, 'user-oidc')!.includes(variant.userOidc) ? `user_oidc ${variant.userOidc}` : '',
    givenPatch && detected.patch !== 'unknown' && !givenPatch.includes(detected.patch) ? `patch ${detected.patch}` : '',
  ].filter(Boolean);
  if (mismatch.length > 0) throw new CliError(`${baseUrl} has ${mismatch.join(', ')}, not what the options ask for: an external instance is the one variant it is`);
  const publicUrl = text(ctx, 'public-url');
  return { variant, external: { url: baseUrl, ...(publicUrl ? { publicUrl: normaliseBaseUrl(publicUrl, '--public-url') } : {}), adminUser: text(ctx, 'admin-user') ?? 'admin', occ: occLine, protectionsOff: ctx.values['protections-off'] === true } };
}

/** The version in an app checkout's `appinfo/info.xml`; a missing file, another app or no version is a user error. */
async function checkoutVersion(app: ImageApp, dir: string, option: string): Promise<string> {
  const path = join(resolve(dir), 'appinfo', 'info.xml');
  const xml = await readFile(path, 'utf8').catch(() => undefined);
  if (xml === undefined) throw new CliError(`${option} ${dir} has no appinfo/info.xml: give the root of a ${app} checkout`);
  const id = /<id>\s*([^<\s]+)\s*<\/id>/.exec(xml)?.[1];
  if (id && id !== app) throw new CliError(`${option} ${dir} is the app ${id}, not ${app}: give the root of a ${app} checkout`);
  const version = /<version>\s*([^<\s]+)\s*<\/version>/.exec(xml)?.[1];
  if (!version) throw new CliError(`${path} names no <version>: give the root of a ${app} checkout`);
  return version;
}

function many(ctx: CommandContext, name: string): string[] {
  const value = ctx.values[name];
  const items = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  return items.map((v) => String(v).trim()).filter((v) => v !== '');
}

const GIT_URL = /^(https?:\/\/|ssh:\/\/|git:\/\/|file:\/\/|git@)/;

/** An app's source other than its release: a directory or a git URL and ref. */
export type CheckoutSource = Exclude<AppSource, { kind: 'release' }>;

/** `--app-src APP=DIR|URL#REF` (and `--user-oidc-src DIR`): each app's source, checked. */
export function parseAppSources(values: readonly string[], userOidcSrc?: string): Partial<Record<ImageApp, CheckoutSource>> {
  const out: Partial<Record<ImageApp, CheckoutSource>> = {};
  const entries: (readonly [string, string, string])[] = values.map((v) => {
    const at = v.indexOf('=');
    if (at <= 0 || at === v.length - 1) throw new CliError(`--app-src takes APP=DIR or APP=URL#REF, not '${v}'`);
    return [v.slice(0, at).trim(), v.slice(at + 1).trim(), '--app-src'] as const;
  });
  if (userOidcSrc) entries.push(['user_oidc', userOidcSrc, '--user-oidc-src'] as const);
  for (const [app, where, option] of entries) {
    if (!isImageApp(app)) throw new CliError(`${option}: unknown app '${app}': use one of ${IMAGE_APPS.join(', ')}`);
    if (out[app]) throw new CliError(`${option}: ${app} is given twice (--user-oidc-src is short for --app-src user_oidc=DIR)`);
    if (GIT_URL.test(where)) {
      const hash = where.lastIndexOf('#');
      const url = hash > 0 ? where.slice(0, hash) : where;
      const ref = hash > 0 ? where.slice(hash + 1) : '';
      out[app] = { kind: 'git', url, ...(ref ? { ref } : {}) };
    } else {
      out[app] = { kind: 'directory', path: resolve(where) };
    }
  }
  return out;
}

/** `--app APP@VERSION|APP@none`: the pins of the extra apps (null: left out). */
export function parseAppPins(values: readonly string[]): Partial<Record<(typeof EXTRA_APPS)[number], string | null>> {
  const out: Partial<Record<(typeof EXTRA_APPS)[number], string | null>> = {};
  for (const v of values) {
    const m = /^([A-Za-z_]+)@(.+)$/.exec(v);
    if (!m) throw new CliError(`--app takes APP@VERSION or APP@none (e.g. notes@4.12.3, deck@none), not '${v}'`);
    const [, app, version] = m as unknown as [string, string, string];
    if (app === 'oidc' || app === 'user_oidc') throw new CliError(`--app ${v}: ${app} versions are an axis of the matrix: use --${app === 'oidc' ? 'oidc' : 'user-oidc'} ${version}`);
    if (!isExtraApp(app)) throw new CliError(`--app: unknown app '${app}': use one of ${EXTRA_APPS.join(', ')}`);
    if (app in out) throw new CliError(`--app: ${app} is given twice`);
    if (version !== 'none' && !/^v?\d+(\.\d+){0,2}([-.+][0-9A-Za-z.-]+)?$/.test(version)) throw new CliError(`--app ${v}: '${version}' is not a release version like 1.2.3 (or none)`);
    out[app] = version === 'none' ? null : version.replace(/^v/, '');
  }
  return out;
}

/** The spec of the run the options ask for; every error is a one-line CliError (exit 2) before anything starts. */
export async function matrixSpecFromOptions(ctx: CommandContext, secrets = new SecretRedactor()): Promise<MatrixSpec> {
  const provider = (text(ctx, 'provider') ?? 'double') as Provider;
  const externalOnly = ['url', 'public-url', 'occ'].filter((n) => text(ctx, n) !== undefined);
  if (provider !== 'external' && externalOnly.length > 0) throw new CliError(`--${externalOnly[0]} is for --provider external, not ${provider}`);
  for (const name of ['database', 'user-oidc-src', 'release-mirror']) if (provider !== 'docker' && text(ctx, name)) throw new CliError(`--${name} is for --provider docker, not ${provider}`);
  for (const name of ['app', 'app-src']) if (provider !== 'docker' && many(ctx, name).length > 0) throw new CliError(`--${name} is for --provider docker, not ${provider}`);
  const ocsHeader = headerModes(ctx);
  try {
    if (provider === 'external') {
      const asked = list(ctx, 'nextcloud') ? majors(ctx) : undefined;
      const { variant, external } = await externalVariant(ctx, secrets);
      if (asked && !asked.includes(variant.nextcloud)) throw new CliError(`${external.url} runs Nextcloud ${variant.nextcloud}, not ${asked.join(', ')}: an external instance is the one variant it is`);
      return { provider, external, variants: ocsHeader.map((h) => checkVariant({ ...variant, ocsHeader: h })) };
    }
    const sources = parseAppSources(many(ctx, 'app-src'), text(ctx, 'user-oidc-src'));
    const pins = parseAppPins(many(ctx, 'app'));
    for (const app of Object.keys(sources)) if (app in pins) throw new CliError(`--app ${app}@... and --app-src ${app}=...: give one source for ${app}`);
    // oidc and user_oidc are axes: a checkout says its own version; a git ref's version must be given.
    const axis = async (app: 'oidc' | 'user_oidc', option: string): Promise<string[] | undefined> => {
      const given = list(ctx, option);
      const s = sources[app];
      if (!s) return given;
      if (s.kind === 'directory') {
        if (given) throw new CliError(`give --${option} or a ${app} checkout, not both: the checkout says its own version`);
        return [await checkoutVersion(app, s.path, app === 'user_oidc' && text(ctx, 'user-oidc-src') ? '--user-oidc-src' : `--app-src ${app}=`)];
      }
      if (!given || given.length !== 1) throw new CliError(`--app-src ${app}=${s.url}${s.ref ? `#${s.ref}` : ''}: also give --${option} VERSION, the version in that ref's appinfo/info.xml`);
      return given;
    };
    const oidc = await axis('oidc', 'oidc');
    const userOidc = await axis('user_oidc', 'user-oidc');
    const nextcloud = majors(ctx);
    for (const [app, version] of Object.entries(pins)) {
      const known = version ? knownAppRelease(app as (typeof EXTRA_APPS)[number], version) : undefined;
      const misfit = known ? nextcloud.filter((m) => m < known.nextcloud[0] || m > known.nextcloud[1]) : [];
      if (known && misfit.length > 0) throw new CliError(`--app ${app}@${version} does not install on Nextcloud ${misfit.join(', ')} (its appinfo/info.xml accepts ${known.nextcloud[0]}-${known.nextcloud[1]}): run those majors separately or leave the version out`);
    }
    const mirror = text(ctx, 'release-mirror') ?? (process.env[RELEASE_MIRROR_ENV] || undefined);
    if (mirror && !/^(https?|file):\/\/\S+$/.test(mirror)) throw new CliError(`--release-mirror '${mirror}' is not an http(s) or file URL: give the base URL the tarballs are under (e.g. ${releaseAssetName('notes', '5.0.2')} is looked up below it)`);
    const variants = matrixVariants({ nextcloud, ...(oidc ? { oidc } : {}), ...(userOidc ? { userOidc } : {}), patch: patches(ctx), ocsHeader });
    const database = text(ctx, 'database') as DockerDatabase | undefined;
    const docker = {
      ...(database ? { database } : {}),
      ...(Object.keys(pins).length > 0 ? { apps: pins } : {}),
      ...(Object.keys(sources).length > 0 ? { sources } : {}),
      ...(mirror ? { releaseMirror: mirror } : {}),
    };
    return { provider, variants, ...(provider === 'docker' && Object.keys(docker).length > 0 ? { docker } : {}) };
  } catch (error) {
    if (error instanceof VariantError) throw new CliError(error.message, { code: error.code, cause: error });
    if (error instanceof HarnessError) throw new CliError(secrets.redact(error.message), { code: error.code, exitCode: error.exitCode, cause: error });
    throw error;
  }
}

/**
 * `--provider docker`: builds each variant's image once, before Playwright starts (the two header modes of a
 * variant share one), and prints how long each took. A variant whose image cannot be built is not retried
 * by its tests: it gets one line here, and its cells are errors with that reason. No Docker engine, or a bad
 * option, stops the run (exit 2).
 */
export async function prepareDockerImages(spec: MatrixSpec, err: (line: string) => void): Promise<MatrixSpec> {
  process.env[BUILD_RUN_ENV] ||= randomUUID();
  const groups = new Map<string, { builder: DockerNextcloud; keys: string[] }>();
  for (const v of spec.variants) {
    const builder = new DockerNextcloud().withOptions(dockerOptionsForVariant(spec, v));
    const id = JSON.stringify(builder.imageSpec());
    const group = groups.get(id) ?? { builder, keys: [] };
    group.keys.push(variantKey(v));
    groups.set(id, group);
  }
  const images: NonNullable<NonNullable<MatrixSpec['docker']>['images']> = { ...spec.docker?.images };
  const variantErrors: Record<string, string> = { ...spec.docker?.variantErrors };
  let n = 0;
  for (const { builder, keys } of groups.values()) {
    n += 1;
    const label = `image ${n}/${groups.size} (${keys.join(', ')})`;
    try {
      const prepared = await builder.prepareImage((line) => err(`nc-oauth-lab matrix: ${line}`));
      for (const key of keys) images[key] = { tag: prepared.tag, how: prepared.how, ms: prepared.ms };
      err(`nc-oauth-lab matrix: ${label}: ${prepared.how === 'built' ? `built in ${Math.round(prepared.ms / 1000)} s` : prepared.how} as ${prepared.tag}`);
    } catch (error) {
      if (!(error instanceof HarnessError) || error.code === 'ERR_PROVIDER_UNAVAILABLE' || error.code === 'ERR_BAD_OPTION') throw error;
      for (const key of keys) {
        variantErrors[key] = error.message;
        err(`nc-oauth-lab matrix: variant ${key} cannot run: ${error.message}`);
      }
    }
  }
  return { ...spec, docker: { ...spec.docker, images, ...(Object.keys(variantErrors).length > 0 ? { variantErrors } : {}) } };
}

/** Prints the verdict of a run or merge on stdout, once (the reporter leaves it to us); returns its exit code. */
function report(ctx: CommandContext, result: MatrixOutcome, out: string): number {
  if (result.matrix) for (const line of summaryLines(result.matrix, join(out, REPORT_FILES.html))) ctx.out(line);
  // the summary names the problem cells; the other failures say why there is no verdict
  const cellLines = new Set(result.matrix ? problemLines(result.matrix) : []);
  for (const line of result.failures.filter((f) => !cellLines.has(f))) ctx.out(`nc-oauth-lab matrix: ${line}`);
  for (const line of result.leftBehind) ctx.out(`nc-oauth-lab matrix: ${line}`);
  if (result.blobDir) ctx.out(`nc-oauth-lab matrix: blob report in ${result.blobDir}: merge the shards with 'nc-oauth-lab matrix merge --out DIR <shard dirs>'`);
  return result.exitCode;
}

/** The default action of `nc-oauth-lab matrix`: runs the matrix on Playwright Test. */
export async function runMatrixCommand(ctx: CommandContext): Promise<number> {
  const secrets = new SecretRedactor();
  let spec = await matrixSpecFromOptions(ctx, secrets);
  let shard;
  let workers = intOption(ctx, 'workers', 1, 64);
  try {
    shard = text(ctx, 'shard') ? parseShard(text(ctx, 'shard')!) : undefined;
  } catch (error) {
    if (error instanceof MatrixRunError) throw new CliError(error.message, { code: error.code, cause: error });
    throw error;
  }
  if (spec.provider === 'external') {
    if (workers !== undefined && workers > 1) ctx.err('nc-oauth-lab matrix: --workers 1 for an external instance: its variants share one Nextcloud and switch its settings');
    workers = 1;
  }
  const maxFailures = intOption(ctx, 'max-failures', 1, 100_000);
  const globalTimeout = intOption(ctx, 'global-timeout', 1, 7 * 24 * 3600);
  const out = text(ctx, 'out') ?? DEFAULT_MATRIX_OUT;
  const expectations = text(ctx, 'expectations');
  // The browser preflight, before any scenario runs or any report is touched: none starting is exit 2 in one
  // line. The one that started is the one Playwright's workers launch (NC_OAUTH_LAB_CHROMIUM).
  const browser = await startChromium();
  await browser.browser.close();
  ctx.err(`nc-oauth-lab matrix: browser: ${browser.label}`);
  ctx.err(`nc-oauth-lab matrix: ${spec.variants.length} variant(s) on the ${spec.provider}${spec.provider === 'double' ? ' (the Nextcloud double, a test double, not a real Nextcloud)' : ''}: ${spec.variants.map(variantKey).join(', ')}`);
  if (spec.provider === 'docker') {
    try {
      spec = await prepareDockerImages(spec, (line) => ctx.err(secrets.redact(line)));
    } catch (error) {
      if (error instanceof HarnessError) throw new CliError(secrets.redact(error.message), { code: error.code, exitCode: error.exitCode, cause: error });
      throw error;
    }
  }
  const lines = lineWriter((line) => ctx.err(secrets.redact(line)));
  const result = await runMatrix({
    spec,
    out,
    ...(shard ? { shard } : {}),
    ...(workers !== undefined ? { workers } : {}),
    ...(expectations ? { expectations } : {}),
    ...(text(ctx, 'grep') ? { grep: text(ctx, 'grep')! } : {}),
    ...(maxFailures !== undefined ? { maxFailures } : {}),
    ...(globalTimeout !== undefined ? { globalTimeoutMs: globalTimeout * 1000 } : {}),
    progress: (text(ctx, 'progress') ?? 'list') as (typeof PROGRESS_REPORTERS)[number],
    output: (chunk) => lines.push(chunk),
    env: browser.env,
  });
  lines.flush();
  return report(ctx, result, out);
}

/** `nc-oauth-lab matrix merge`: one matrix from the blob reports of shards. */
export const matrixMergeCommand: CommandSpec = {
  name: 'merge',
  summary: 'Merge the blob reports of matrix shards (--shard i/n) into one matrix with playwright merge-reports.',
  args: '<shard dirs or blob .zip files...>',
  options: {
    out: { type: 'string', valueName: 'DIR', description: `Report directory of the merged matrix (${Object.values(REPORT_FILES).join(', ')}).`, default: DEFAULT_MATRIX_OUT },
    expectations: { type: 'string', valueName: 'DIR', description: 'Expectations data instead of scenarios/expectations.' },
  },
  details:
    "Give each shard's --out directory (its blob report is in blob-report/) or the .zip files themselves. Exits 1 naming the cells that are " +
    'error, unexpected-fail, wrong-reason or stale, as a run does; 2 when an input is missing or holds no blob report.',
  async run(ctx) {
    const out = text(ctx, 'out') ?? DEFAULT_MATRIX_OUT;
    const expectations = text(ctx, 'expectations');
    const lines = lineWriter((line) => ctx.err(line));
    let result: MatrixOutcome;
    try {
      result = await mergeMatrixReports({ inputs: ctx.positionals, out, ...(expectations ? { expectations } : {}), output: (chunk) => lines.push(chunk) });
    } catch (error) {
      if (error instanceof MatrixRunError) throw new CliError(error.message, { code: error.code, cause: error });
      throw error;
    } finally {
      lines.flush();
    }
    return report(ctx, result, out);
  },
};

/** What `nc-oauth-lab matrix --help` says after the options. */
export const MATRIX_RUN_DETAILS = [
  'Without a command, runs the compatibility matrix on Playwright Test: one project per variant (Nextcloud x oidc x',
  'user_oidc x patch x OCS-APIRequest from the MCP server), the scenarios of scenarios/specs, and writes the reports',
  'into --out. Progress goes to stderr, the verdict to stdout. Exits 1 naming every cell that is error,',
  'unexpected-fail, wrong-reason or stale; 2 on bad input (an unknown version or patch, a malformed --shard, an',
  'unreachable Nextcloud) or when no browser starts (NC_OAUTH_LAB_CHROMIUM, a system Chromium, Playwright\'s own).',
  'Ctrl-C (SIGINT) or SIGTERM stops the run: the cut-off tests are interrupted, the others not run, the instances',
  'cleaned up, the reports say "interrupted after N of M tests", exit 130 (143 for SIGTERM). A second Ctrl-C during',
  'the cleanup does not cut it short; a third leaves the rest behind and lists it with the commands that undo it.',
  `Default: ${DEFAULT_MATRIX_AXES.nextcloud.length * DEFAULT_MATRIX_AXES.patch.length * DEFAULT_MATRIX_AXES.ocsHeader.length} variants against the double, Nextcloud ${DEFAULT_MATRIX_AXES.nextcloud.join(' and ')} with the newest oidc and user_oidc`,
  `(${DEFAULT_MATRIX_AXES.nextcloud.map((m) => `${m}: oidc ${DEFAULT_VERSIONS.oidc[m]}, user_oidc ${DEFAULT_VERSIONS.userOidc[m]}`).join('; ')}).`,
  'external: the instance is one variant (read from status.php and occ, named by its exact release: nc32.0.1-...), run with both header modes on 1 worker.',
  `docker: each image is built once before the run (or reused); Notes, Deck, Tables, Calendar and Contacts come at the newest`,
  'release that installs on the major (docker/app-releases.ts), and a major without one goes without the app. A variant',
  'whose image cannot be built or started gets one line with the cause and error cells; the other variants still run.',
].join('\n');
