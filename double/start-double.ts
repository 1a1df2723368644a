import { serve, type Http2Bindings, type HttpBindings, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createDoubleApp, type RouteModule } from './double-app.ts';
import type { DoubleFault } from './double-faults.ts';
import { DEFAULT_USERS, DoubleState, type DoubleAppState, type DoubleUserInput, type PatchMode } from './double-state.ts';
import { registerLoginRoutes } from './login-routes.ts';
import { runOcc, type OccCommand, type OccResult } from './occ.ts';
import { handleOccEndpoint, OCC_ENDPOINT_PATH } from './occ-endpoint.ts';
import { registerOidcRoutes } from './oidc/oidc-routes.ts';
import { OIDC_OCC_COMMANDS } from './oidc/oidc-occ-commands.ts';
import { registerOcsRoutes } from './apps/ocs-routes.ts';
import { registerNotesRoutes } from './apps/notes-routes.ts';
import { registerDeckRoutes } from './apps/deck-routes.ts';
import { registerTablesRoutes } from './apps/tables-routes.ts';
import { registerBackupCodesRoutes } from './apps/backup-codes.ts';
import { registerDavRoutes } from './dav/dav-routes.ts';
import { DEFAULT_VERSIONS, type NextcloudMajor } from './version-gates.ts';

/** Options of `startDouble`. Every version-dependent behaviour follows `version-gates.ts`. */
export interface StartDoubleOptions {
  /** Nextcloud major, 31-35 (default 32). */
  nextcloud?: NextcloudMajor;
  /** `oidc` app version (default: the newest for the major). */
  oidc?: string;
  /** `user_oidc` app version (default: the newest for the major). */
  userOidc?: string;
  /** Patch mode (default `none`). */
  patch?: PatchMode;
  /**
   * Configure the instance as a test setup would through occ (default true): apps enabled, DCR as
   * `dcr` says, bearer validation on, consent and token type, protections off. With false the double
   * starts like a fresh install with both apps installed but disabled, for a harness to configure.
   */
  configure?: boolean;
  /** Dynamic client registration (default true). */
  dcr?: boolean;
  /** The consent page (`allow_user_settings=enabled`, oidc >= 1.11; default false). */
  consent?: boolean;
  /** Default access token format (default `opaque`). */
  tokenType?: 'opaque' | 'jwt';
  /** Test users (default DEFAULT_USERS). */
  users?: DoubleUserInput[];
  /**
   * Apps that differ from a fresh double: `{ deck: false }` plays an instance without Deck (not in
   * `occ app:list`, its routes answer 404 / OCS 998 as Nextcloud does), `'disabled'` installed but disabled.
   */
  apps?: Readonly<Record<string, DoubleAppState>>;
  /**
   * Milliseconds the web process serves app config from its local cache after occ changed it, where
   * Nextcloud does (NC >= 32 with a local memory cache, as the official image): default 3000, as Nextcloud
   * (`OC\AppConfig::LOCAL_CACHE_TTL`); 0 plays an instance without that delay (`cache_app_config=false`).
   */
  appConfigCacheTtlMs?: number;
  /** Port to listen on (default 0: any free port). */
  port?: number;
  /** Host to listen on (default 127.0.0.1). */
  host?: string;
  /** Clock in milliseconds since the epoch, for expiry tests. */
  now?: () => number;
  /** Failures to simulate (double-only, see double-faults.ts); none by default. */
  faults?: readonly DoubleFault[];
  /**
   * Serve the double's occ at OCC_ENDPOINT_PATH (loopback only, admin credentials), for
   * `nc-oauth-lab double occ` (default false).
   */
  occEndpoint?: boolean;
}

/** A running double. */
export interface StartedDouble {
  /** Base URL, without a trailing slash. */
  url: string;
  /** The double's state, for tests that look inside. */
  state: DoubleState;
  /** The test users with their passwords. */
  users: readonly DoubleUserInput[];
  /** Runs an occ command line (the words after `occ`); `env` plays the shell environment (`OC_PASS`). */
  occ(args: readonly string[], env?: Readonly<Record<string, string | undefined>>): Promise<OccResult>;
  stop(): Promise<void>;
}

/** Every route module of the double, in registration order. */
export const ROUTE_MODULES: readonly RouteModule[] = [
  registerLoginRoutes,
  registerOidcRoutes,
  registerOcsRoutes,
  registerNotesRoutes,
  registerDeckRoutes,
  registerTablesRoutes,
  registerBackupCodesRoutes,
  registerDavRoutes,
];

const OCC_COMMANDS: readonly OccCommand[] = [...OIDC_OCC_COMMANDS];

/** The occ command lines a test setup runs (facts page, "Configuration"). */
export function setupCommands(options: Pick<StartDoubleOptions, 'dcr' | 'consent' | 'tokenType'>): string[][] {
  const commands: string[][] = [
    ['app:enable', 'oidc', 'user_oidc'],
    ['app:disable', 'firstrunwizard'],
    ['config:system:set', 'user_oidc', 'oidc_provider_bearer_validation', '--value=true', '--type=boolean'],
    ['config:system:set', 'auth.bruteforce.protection.enabled', '--value=false', '--type=boolean'],
    ['config:system:set', 'ratelimit.protection.enabled', '--value=false', '--type=boolean'],
  ];
  if (options.dcr ?? true) commands.push(['config:app:set', 'oidc', 'dynamic_client_registration', '--value=true']);
  if (options.consent) commands.push(['config:app:set', 'oidc', 'allow_user_settings', '--value=enabled']);
  commands.push(['config:app:set', 'oidc', 'default_token_type', `--value=${options.tokenType ?? 'opaque'}`]);
  return commands;
}

/**
 * Starts the Nextcloud double: a server that plays Nextcloud with the `oidc` and `user_oidc` apps as the
 * facts page describes. Throws a VersionError for unknown or incompatible versions.
 */
export async function startDouble(options: StartDoubleOptions = {}): Promise<StartedDouble> {
  const nextcloud = options.nextcloud ?? 32;
  const users = options.users ?? DEFAULT_USERS.map((u) => ({ ...u }));
  const state = new DoubleState({
    nextcloud,
    oidc: options.oidc ?? DEFAULT_VERSIONS.oidc[nextcloud],
    userOidc: options.userOidc ?? DEFAULT_VERSIONS.userOidc[nextcloud],
    patch: options.patch ?? 'none',
    users,
    ...(options.apps ? { apps: options.apps } : {}),
    ...(options.appConfigCacheTtlMs !== undefined ? { appConfigCacheTtlMs: options.appConfigCacheTtlMs } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  for (const fault of options.faults ?? []) state.faults.add(fault);
  const occ = (args: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): OccResult => runOcc(state, args, OCC_COMMANDS, env);
  if (options.configure ?? true) {
    for (const command of setupCommands(options)) {
      const result = occ(command);
      if (result.exitCode !== 0) throw new Error(`double setup: occ ${command.join(' ')} failed: ${result.stderr}`);
    }
  }
  const app = createDoubleApp(state, ROUTE_MODULES);
  const host = options.host ?? '127.0.0.1';
  const server = await new Promise<ServerType>((resolve, reject) => {
    const fetch = options.occEndpoint
      ? (request: Request, env: HttpBindings | Http2Bindings): Response | Promise<Response> =>
          new URL(request.url).pathname === OCC_ENDPOINT_PATH ? handleOccEndpoint(state, request, env.incoming.socket.remoteAddress, occ) : app.fetch(request, env)
      : app.fetch;
    const s = serve({ fetch, port: options.port ?? 0, hostname: host }, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  state.baseUrl = url;
  return {
    url,
    state,
    users,
    occ: async (args, env) => occ(args, env),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
