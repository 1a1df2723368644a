import { PATCH_MODES, type NextcloudMajor, type PatchMode } from '../double/index.ts';
import {
  ADMIN_PASSWORD_ENV,
  BrowserSession,
  DEFAULT_SCOPE,
  HarnessError,
  PKCE_METHODS,
  PROVIDER_NAMES,
  SecretRedactor,
  browserLoginFlow,
  leftoverLines,
  nextcloudBuilder,
  type LoginFlowOptions,
  type NextcloudBuilder,
  type PkceMethod,
  type ProviderName,
  type StartedNextcloud,
  type TokenSet,
} from '../harness/index.ts';
import { SIGNAL_EXIT_CODES } from '../scenarios/index.ts';
import { CliError, type CommandContext, type CommandSpec, type OptionSpec } from './command.ts';

/** Options that pick and prepare a Nextcloud instance; shared by `login` and `probe`. */
export const INSTANCE_OPTIONS: Record<string, OptionSpec> = {
  provider: { type: 'string', choices: PROVIDER_NAMES, description: 'Where Nextcloud comes from: the in-process double, an instance that already runs, or a container.', default: 'double' },
  url: { type: 'string', valueName: 'URL', description: 'external: Nextcloud as this machine reaches it (with its webroot, if any).' },
  'public-url': { type: 'string', valueName: 'URL', description: 'external: Nextcloud as a browser and the token issuer see it, when it differs from --url.' },
  'admin-user': { type: 'string', valueName: 'UID', description: 'external: an admin account, for creating and removing the test users.', default: 'admin' },
  'admin-password': { type: 'string', valueName: 'PASSWORD', description: `external: its password (better: the environment variable ${ADMIN_PASSWORD_ENV}).` },
  occ: { type: 'string', valueName: 'COMMAND', description: 'external: the command line that runs occ, e.g. "docker exec -u www-data nc php occ".' },
  'protections-off': { type: 'boolean', description: 'external: turn brute-force and rate-limit protection off while running (restored after).' },
  keep: { type: 'boolean', description: 'external: leave the configuration and the test users in place afterwards.' },
  'allow-insecure-http': { type: 'boolean', description: 'Allow plain http to a host that is not loopback.' },
  nextcloud: { type: 'string', valueName: 'MAJOR', choices: ['31', '32', '33', '34', '35'], description: 'double, docker: Nextcloud major (default 32).' },
  oidc: { type: 'string', valueName: 'VERSION', description: 'double, docker: oidc app version (default: the newest for the major).' },
  'user-oidc': { type: 'string', valueName: 'VERSION', description: 'double, docker: user_oidc app version (default: the newest for the major).' },
  patch: { type: 'string', choices: PATCH_MODES, description: 'double, docker: patch mode (default none).' },
  consent: { type: 'boolean', description: 'Turn the consent page on (oidc >= 1.11) and click Allow.' },
  'token-type': { type: 'string', choices: ['opaque', 'jwt'], description: 'Access token format (default token type and the client\'s token_type).' },
  user: { type: 'string', valueName: 'UID', description: 'The test user to log in as (default: the first test user).' },
  'output-dir': { type: 'string', valueName: 'DIR', description: 'Where a failed login keeps its trace and screenshot (secrets masked).', default: 'test-results/nc-oauth-lab' },
};

/** What the login and probe commands pass to the harness. */
export interface InstanceChoice {
  builder: NextcloudBuilder;
  provider: ProviderName;
  /** The external provider's occ command line (for the commands that undo what a cut-off cleanup left). */
  occ?: string;
  flow: Pick<LoginFlowOptions, 'allowInsecureHttp' | 'tokenType' | 'user' | 'outputDir'>;
}

function stringOption(ctx: CommandContext, name: string): string | undefined {
  const value = ctx.values[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Builds the instance the options ask for, with one-line errors (exit code 2) for what is missing or
 * given to the wrong provider. The admin password comes from --admin-password or NC_ADMIN_PASSWORD and is
 * never printed.
 */
export function instanceFromOptions(ctx: CommandContext, secrets: SecretRedactor): InstanceChoice {
  const provider = (stringOption(ctx, 'provider') ?? 'double') as ProviderName;
  const externalOnly = ['url', 'public-url', 'admin-password', 'occ'].filter((name) => stringOption(ctx, name) !== undefined);
  const builtOnly = ['nextcloud', 'oidc', 'user-oidc', 'patch'].filter((name) => stringOption(ctx, name) !== undefined);
  if (provider !== 'external' && externalOnly.length > 0) throw new CliError(`--${externalOnly[0]} is for --provider external, not ${provider}`);
  if (provider === 'external' && builtOnly.length > 0) throw new CliError(`--${builtOnly[0]} is for --provider double or docker: an external instance reports its own versions`);
  let builder: NextcloudBuilder;
  if (provider === 'external') {
    const url = stringOption(ctx, 'url');
    const occ = stringOption(ctx, 'occ');
    const password = stringOption(ctx, 'admin-password') ?? process.env[ADMIN_PASSWORD_ENV];
    if (!url) throw new CliError('--provider external needs --url, the address of the running Nextcloud');
    if (!occ) throw new CliError('--provider external needs --occ, the command line that runs occ (e.g. "docker exec -u www-data nc php occ")');
    if (!password) throw new CliError(`--provider external needs the admin password: set ${ADMIN_PASSWORD_ENV} (or pass --admin-password)`);
    secrets.add(password);
    builder = nextcloudBuilder({ provider: 'external', url, adminUser: stringOption(ctx, 'admin-user') ?? 'admin', adminPassword: password, occ, ...(stringOption(ctx, 'public-url') ? { publicUrl: stringOption(ctx, 'public-url')! } : {}) });
    if (ctx.values['protections-off'] === true) builder.withProtectionsOff();
    if (ctx.values['keep'] === true) builder.withRestoreOnStop(false);
  } else if (provider === 'double') {
    builder = nextcloudBuilder({
      provider: 'double',
      nextcloud: Number(stringOption(ctx, 'nextcloud') ?? '32') as NextcloudMajor,
      patch: (stringOption(ctx, 'patch') ?? 'none') as PatchMode,
      ...(stringOption(ctx, 'oidc') ? { oidc: stringOption(ctx, 'oidc')! } : {}),
      ...(stringOption(ctx, 'user-oidc') ? { userOidc: stringOption(ctx, 'user-oidc')! } : {}),
    }).withProtectionsOff();
  } else {
    builder = nextcloudBuilder({
      provider: 'docker',
      nextcloud: stringOption(ctx, 'nextcloud') ?? '32',
      patch: (stringOption(ctx, 'patch') ?? 'none') as PatchMode,
      ...(stringOption(ctx, 'oidc') ? { oidc: stringOption(ctx, 'oidc')! } : {}),
      ...(stringOption(ctx, 'user-oidc') ? { userOidc: stringOption(ctx, 'user-oidc')! } : {}),
    }).withProtectionsOff();
  }
  if (ctx.values['consent'] === true) builder.withConsent();
  const tokenType = stringOption(ctx, 'token-type') as 'opaque' | 'jwt' | undefined;
  if (tokenType) builder.withTokenType(tokenType);
  builder.withSecrets(secrets).withProgress((line) => ctx.err(secrets.redact(line)));
  const occLine = provider === 'external' ? stringOption(ctx, 'occ') : undefined;
  return {
    builder,
    provider,
    ...(occLine ? { occ: occLine } : {}),
    flow: {
      ...(ctx.values['allow-insecure-http'] === true ? { allowInsecureHttp: true } : {}),
      ...(tokenType ? { tokenType } : {}),
      ...(stringOption(ctx, 'user') ? { user: stringOption(ctx, 'user')! } : {}),
      ...(stringOption(ctx, 'output-dir') ? { outputDir: stringOption(ctx, 'output-dir')! } : {}),
    },
  };
}

/**
 * Starts the browser (the preflight: none starting is exit 2 in one line, before any instance starts), then
 * the instance, runs `work` with both and stops them (restoring an external instance) even when `work`
 * fails or the user presses Ctrl-C. Errors that are not the harness's own become one redacted line with
 * exit code 1.
 */
export async function withInstance<T>(ctx: CommandContext, choice: InstanceChoice, secrets: SecretRedactor, work: (instance: StartedNextcloud, browser: BrowserSession) => Promise<T>): Promise<T> {
  const browser = await BrowserSession.launch(secrets);
  let instance: StartedNextcloud | undefined;
  let starting: Promise<StartedNextcloud> | undefined;
  let signals = 0;
  const what = choice.provider === 'external' ? 'the test users and changed settings' : choice.provider === 'docker' ? 'the container' : 'nothing (the double runs in this process)';
  const interrupted = (signal: NodeJS.Signals): void => {
    signals += 1;
    const code = SIGNAL_EXIT_CODES[signal] ?? 130;
    if (signals === 1) {
      ctx.err(`interrupted (${signal}): restoring and stopping the instance`);
      // Interrupted while it is being prepared: let the preparation end (a failed one undoes itself), then restore.
      void (async () => {
        const started = instance ?? (await starting?.catch(() => undefined));
        await Promise.allSettled([started?.stop(), browser.close()]);
      })().finally(() => process.exit(code));
    } else if (signals === 2) {
      ctx.err(`cleaning up, press Ctrl-C again to leave ${what} behind`);
    } else {
      const left = instance?.leftovers() ?? choice.builder.leftovers();
      if (left.length > 0) for (const line of leftoverLines([{ instance: instance?.description ?? 'the instance', pending: left }], choice.occ)) ctx.err(line);
      else ctx.err('cleanup abandoned; nothing was left to undo');
      process.exit(code);
    }
  };
  const onInt = (): void => interrupted('SIGINT');
  const onTerm = (): void => interrupted('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    starting = choice.builder.start();
    instance = await starting;
    // Interrupted during the start: the signal handler restores and exits; the work must not begin.
    if (signals > 0) await new Promise<never>(() => undefined);
    return await work(instance, browser);
  } catch (error) {
    if (error instanceof CliError) throw error;
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    throw new CliError(secrets.redact(message), { code: 'ERR_UNEXPECTED', exitCode: 1, cause: error });
  } finally {
    if (signals === 0) {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      await instance?.stop().catch((error: unknown) => ctx.err(`could not stop the instance: ${secrets.redact(error instanceof Error ? error.message : String(error))}`));
      await browser.close();
    }
  }
}

/** The lines `login` prints about an instance (the double says it is a test double). */
export function instanceLines(instance: StartedNextcloud): string[] {
  const v = instance.variant;
  return [
    `instance   ${instance.description}`,
    `variant    Nextcloud ${v.nextcloud}, oidc ${v.oidc}, user_oidc ${v.userOidc}, patch ${v.patch}${v.patchSource === 'unknown' ? '' : ` (${v.patchSource === 'provider' ? 'as built' : 'found by occ integrity:check'})`}`,
  ];
}

/** What `login` prints about a token: type, expiry, scopes and subject (RFC 9068 §2.2, RFC 7662 §2.2). */
export function tokenLines(tokens: TokenSet, subject: string, introspected: Record<string, unknown> | undefined, requestedScope: string, now = new Date()): string[] {
  const claims = tokens.accessTokenClaims as Record<string, unknown> | undefined;
  const scope = (typeof introspected?.['scope'] === 'string' ? introspected['scope'] : undefined) ?? tokens.scope ?? (typeof claims?.['scope'] === 'string' ? claims['scope'] : undefined);
  const expiresAt = tokens.expiresAt ?? (typeof claims?.['exp'] === 'number' ? new Date(claims['exp'] * 1000) : undefined);
  const expiry = expiresAt ? `${expiresAt.toISOString()} (in ${Math.round((expiresAt.getTime() - now.getTime()) / 1000)} s${tokens.expiresIn !== undefined ? `, expires_in ${tokens.expiresIn}` : ''})` : 'not given';
  return [
    `token      ${tokens.format === 'jwt' ? 'JWT (RFC 9068)' : 'opaque'}, ${tokens.accessToken.length} characters, token_type ${tokens.tokenType}`,
    `expires    ${expiry}`,
    `scopes     ${scope ?? `${requestedScope} (requested; neither the token endpoint nor the token said)`}${introspected ? ' (introspection)' : ''}`,
    `subject    ${subject}`,
    `refresh    ${tokens.refreshToken ? 'a refresh token was issued' : 'no refresh token'}`,
  ];
}

/** `nc-oauth-lab login`: the full browser login against an instance. */
export const loginCommand: CommandSpec = {
  name: 'login',
  summary: 'Log in to Nextcloud through a real browser with OAuth (DCR, PKCE) and show the token it gives.',
  options: {
    ...INSTANCE_OPTIONS,
    client: { type: 'string', choices: ['dcr', 'static'], description: 'A dynamically registered client or one made with occ oidc:create (deleted afterwards).', default: 'dcr' },
    pkce: { type: 'string', choices: PKCE_METHODS, description: 'PKCE method.', default: 'S256' },
    scope: { type: 'string', valueName: 'SCOPES', description: 'Scopes to ask for.', default: DEFAULT_SCOPE },
    resource: { type: 'string', valueName: 'URL', description: 'RFC 8707 resource indicator to send.' },
    deny: { type: 'boolean', description: 'Click Deny on the consent page (implies --consent): shows the error the client gets.' },
    'show-token': { type: 'boolean', description: 'Print the access token (and refresh token) itself.' },
  },
  details: [
    'Starts or attaches to Nextcloud, prepares it (apps, DCR, bearer validation, test users), registers a client,',
    'logs a test user in with Chromium and exchanges the code. Progress goes to stderr; the token is printed only',
    `with --show-token. The double's test users are alice and bob; an external instance gets generated ones. External`,
    `instances are restored afterwards unless --keep. The admin password is read from ${ADMIN_PASSWORD_ENV}.`,
  ].join('\n'),
  async run(ctx) {
    const secrets = new SecretRedactor();
    if (ctx.values['deny'] === true) ctx.values['consent'] = true;
    const choice = instanceFromOptions(ctx, secrets);
    const scope = stringOption(ctx, 'scope') ?? DEFAULT_SCOPE;
    return withInstance(ctx, choice, secrets, async (instance, browser) => {
      const progress = (line: string): void => ctx.err(secrets.redact(line));
      const result = await browserLoginFlow(instance, {
        ...choice.flow,
        browser,
        client: (stringOption(ctx, 'client') ?? 'dcr') as 'dcr' | 'static',
        pkce: (stringOption(ctx, 'pkce') ?? 'S256') as PkceMethod,
        scope,
        ...(stringOption(ctx, 'resource') ? { resource: stringOption(ctx, 'resource')! } : {}),
        consent: ctx.values['deny'] === true ? 'deny' : 'allow',
        deleteClient: false,
        progress,
      }).catch((error: unknown) => {
        if (error instanceof HarnessError && error.code === 'ERR_AUTHORIZATION_DENIED') {
          for (const line of instanceLines(instance)) ctx.out(line);
          ctx.out(`result     ${error.message}`);
          return undefined;
        }
        throw error;
      });
      if (!result) return ctx.values['deny'] === true ? 0 : 1;
      try {
        let introspected: Record<string, unknown> | undefined;
        if (result.client.supportsIntrospection) {
          progress('introspecting the token');
          introspected = { ...(await result.client.introspect(result.tokens.accessToken)) };
        }
        for (const line of instanceLines(instance)) ctx.out(line);
        ctx.out(`user       ${result.user.uid}`);
        ctx.out(`consent    ${result.browser.consentShown ? 'the consent page was shown and allowed' : 'no consent page'}`);
        for (const line of tokenLines(result.tokens, String(result.userinfo.sub), introspected, scope)) ctx.out(line);
        if (ctx.values['show-token'] === true) {
          ctx.out(`access     ${result.tokens.accessToken}`);
          if (result.tokens.refreshToken) ctx.out(`refresh    ${result.tokens.refreshToken}`);
        }
        if (instance.variant.isDouble) ctx.out('note       this ran against the Nextcloud double, a test double, not a real Nextcloud');
      } finally {
        progress('deleting the client');
        await result.client.delete().catch((error: unknown) => progress(`could not delete the client: ${error instanceof Error ? error.message : String(error)}`));
      }
      return 0;
    });
  },
};
