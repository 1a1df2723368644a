import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { HarnessError } from '../harness-error.ts';
import { NextcloudBuilder } from '../nextcloud-builder.ts';
import { readStatus } from '../nextcloud-http.ts';
import type { LaunchContext, LaunchedNextcloud, OccResult, OccRunner, TestUser, TestUserRequest } from '../nextcloud-instance.ts';
import { splitCommandLine } from './occ-command-line.ts';

/** Environment variable the CLI reads the admin password from when `--admin-password` is not given. */
export const ADMIN_PASSWORD_ENV = 'NC_ADMIN_PASSWORD';

/** Normalises a Nextcloud base URL: http(s) only, no query or fragment, no trailing slash. Throws ERR_BAD_OPTION. */
export function normaliseBaseUrl(url: string, option = '--url'): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new HarnessError('ERR_BAD_OPTION', `${option} '${url}' is not a URL: give Nextcloud's address, e.g. http://localhost:8080`, { cause: error });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new HarnessError('ERR_BAD_OPTION', `${option} must be an http or https URL, not '${parsed.protocol}'`);
  if (parsed.username || parsed.password) throw new HarnessError('ERR_BAD_OPTION', `${option} must not carry credentials: use --admin-user and ${ADMIN_PASSWORD_ENV}`);
  parsed.search = '';
  parsed.hash = '';
  return parsed.href.replace(/\/+$/, '').replace(/\/index\.php$/, '');
}

/** An occ runner for a command line, run with execa (no shell); `OC_PASS` and other env go to the process. */
export function commandLineOcc(commandLine: string): OccRunner {
  const [file, ...prefix] = splitCommandLine(commandLine);
  return async (args, options) => {
    const result = await execa(file!, [...prefix, ...args, '--no-interaction'], {
      reject: false,
      env: options?.env ?? {},
      extendEnv: true,
      timeout: options?.timeoutMs ?? 120_000,
      stdin: 'ignore',
      stripFinalNewline: false,
      // Its own process group: a Ctrl-C in the terminal must not cut off an occ run half-way (the harness
      // may be undoing its changes); the run is still bounded by the timeout and ended with this process.
      detached: true,
    });
    const out: OccResult = { exitCode: result.exitCode ?? (result.failed ? 127 : 0), stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
    if (result.failed && result.exitCode === undefined) out.stderr = `${result.shortMessage ?? 'occ could not run'}\n${out.stderr}`;
    return out;
  };
}

/**
 * The `external` provider: a Nextcloud that already runs, given by URL, an admin account and an occ
 * command line. The harness does not start or stop it; it prepares it (facts page, "Configuration") and
 * undoes its changes on stop. Default test users get random names (`nclab-<hex>-alice`) and generated
 * passwords, so that parallel runs do not collide and nothing is left behind.
 *
 * For `docker exec`, pass `-e OC_PASS` in the command line if the provisioning API is disabled: the harness
 * then creates users with `occ user:add --password-from-env`, and the variable must reach the container.
 */
export class ExternalNextcloud extends NextcloudBuilder {
  readonly providerName = 'external' as const;
  private readonly baseUrl: string;
  private publicUrl: string | undefined;
  private admin: TestUser | undefined;
  private occLine: string | undefined;
  private occRunner: OccRunner | undefined;

  /** `url`: Nextcloud's address as the harness reaches it (with its webroot if any). */
  constructor(url: string) {
    super();
    this.baseUrl = normaliseBaseUrl(url);
  }

  /** The admin account used for the provisioning API. */
  withAdmin(uid: string, password: string): this {
    this.admin = { uid, password };
    this.secrets.add(password);
    return this;
  }

  /** The occ command line, split shell-like and run without a shell (`docker exec -u www-data nc php occ`). */
  withOcc(commandLine: string): this {
    splitCommandLine(commandLine);
    this.occLine = commandLine;
    this.occRunner = commandLineOcc(commandLine);
    return this;
  }

  /** An occ runner of the caller's own (tests, or an occ reached some other way). */
  withOccRunner(occ: OccRunner): this {
    this.occRunner = occ;
    return this;
  }

  /** The address a browser and the token issuer use, when it differs from the URL. */
  withPublicUrl(url: string): this {
    this.publicUrl = normaliseBaseUrl(url, '--public-url');
    return this;
  }

  protected defaultUsers(): TestUserRequest[] {
    const run = randomBytes(3).toString('hex');
    // carol: the user the matrix gives a second factor (backup codes) for session.twofactor-enforced.
    return ['alice', 'bob', 'carol'].map((name) => ({ uid: `nclab-${run}-${name}`, displayName: `nc-oauth-lab ${name} (${run})` }));
  }

  async launch(context: LaunchContext): Promise<LaunchedNextcloud> {
    if (!this.admin) throw new HarnessError('ERR_BAD_OPTION', `the external provider needs an admin account: give --admin-user and the password in ${ADMIN_PASSWORD_ENV} (or --admin-password)`);
    if (!this.occRunner) throw new HarnessError('ERR_BAD_OPTION', 'the external provider needs --occ, the command line that runs occ, e.g. "docker exec -u www-data nc php occ"');
    context.secrets.add(this.admin.password);
    context.progress(`attaching to Nextcloud at ${this.baseUrl}`);
    await readStatus(this.baseUrl);
    const occ = this.occRunner;
    const probe = await occ(['status', '--output=json']);
    if (probe.exitCode !== 0) {
      const why = context.secrets.redact((probe.stderr.trim() || probe.stdout.trim()).split('\n').slice(-1)[0] ?? '').slice(0, 200);
      throw new HarnessError('ERR_BAD_OPTION', `occ does not run${this.occLine ? ` with --occ "${this.occLine}"` : ''} (exit ${probe.exitCode}${why ? `: ${why}` : ''}): check the command line and that it runs as the web server user`);
    }
    const baseUrl = this.baseUrl;
    return {
      baseUrl,
      publicUrl: this.publicUrl ?? baseUrl,
      admin: this.admin,
      occ,
      logs: async () => {
        const tail = await occ(['log:tail', '--raw', '200']);
        return tail.exitCode === 0 ? `nextcloud.log (last 200 entries, occ log:tail):\n${tail.stdout}` : '(nextcloud.log unavailable: occ log:tail needs the logreader app)';
      },
      stop: async () => undefined,
      description: `Nextcloud at ${baseUrl} (external)`,
    };
  }
}
