import type { DoubleUser } from '../double-state.ts';
import { passesCsrfCheck, type DoubleContext } from '../request-context.ts';
import { DavError } from './dav-error.ts';

/** Which DAV server a request reaches: the new `/remote.php/dav` or the legacy `/remote.php/webdav`. */
export type DavEndpoint = 'dav' | 'webdav';

/** The session key core's DAV `Auth` backend sets after a DAV login (`Auth::DAV_AUTHENTICATED`). */
export const DAV_AUTHENTICATED = 'AUTHENTICATED_TO_DAV_BACKEND';

/** Theming's default name: the realm of every DAV auth backend. */
const REALM = 'Nextcloud';

/** Reasons the auth backends give, verbatim from sabre/dav and Nextcloud's backends. */
export const DAV_AUTH_REASONS = {
  publicAuth: 'No public access to this resource.',
  appApi: 'AppAPIAuth has not passed',
  federatedCalendar: 'This request is not for a federated calendar',
  noBearer: "No 'Authorization: Bearer' header found. Either the client didn't send one, or the server is mis-configured",
  badBearer: 'Bearer token was incorrect',
  noBasic: "No 'Authorization: Basic' header found. Either the client didn't send one, or the server is misconfigured",
  badBasic: 'Username or password was incorrect',
} as const;

/** The User-Agents of the official clients, which core's DAV `Auth` exempts from the CSRF check (`IRequest::USER_AGENT_CLIENT_*`). */
const OFFICIAL_CLIENTS = [/^Mozilla\/5\.0 \([A-Za-z ]+\) (mirall|csyncoC)\/.*$/, /^Mozilla\/5\.0 \(Android\) (ownCloud|Nextcloud)-android.*$/, /^Mozilla\/5\.0 \(iOS\) (ownCloud|Nextcloud)-iOS.*$/];

type BackendResult = { user: DoubleUser } | { reason: string };
type Backend = { check: () => BackendResult; challenge: () => string[] };

function notAuthenticated(message: string, headers: Record<string, string | readonly string[]> = {}): DavError {
  return new DavError(401, 'Sabre\\DAV\\Exception\\NotAuthenticated', message, { code: 'ERR_DAV_NOT_AUTHENTICATED', headers });
}

/** `dav` app config booleans (`getAppValueBool`): `1`, `true`, `yes`, `on` are true. */
function appBool(c: DoubleContext, app: string, key: string, fallback: boolean): boolean {
  const value = c.get('rc').state.getAppValue(app, key, '');
  if (value === '') return fallback;
  return ['1', 'true', 'yes', 'on'].includes(value.toLowerCase());
}

/** core's `BearerAuth`: a logged-in session passes; otherwise `tryTokenLogin` accepts an app password as bearer token. */
function bearerBackend(c: DoubleContext): Backend {
  const rc = c.get('rc');
  return {
    check: () => {
      if (rc.bearerToken === undefined) return { reason: DAV_AUTH_REASONS.noBearer };
      if (rc.user) return { user: rc.user };
      for (const user of rc.state.users.values()) {
        if (user.appPasswords.has(rc.bearerToken)) return { user };
      }
      return { reason: DAV_AUTH_REASONS.badBearer };
    },
    challenge: () => {
      // BearerAuth only sets 401, except for legacy ownCloud clients when oauth2.enable_oc_clients is on.
      const ocClients = rc.state.getSystemValue('oauth2.enable_oc_clients') === true;
      return ocClients && (c.req.header('user-agent') ?? '').includes('mirall') ? [`Bearer realm="${REALM}"`] : [];
    },
  };
}

/**
 * core's DAV `Auth` backend (`OCA\DAV\Connector\Sabre\Auth::auth()`): the CSRF check for logged-in
 * sessions, the 2FA check, a logged-in session or apache backend (user_oidc), the ajax refusal, then
 * HTTP Basic with a password or app password.
 */
function basicBackend(c: DoubleContext): Backend {
  const rc = c.get('rc');
  const method = c.req.method.toUpperCase();
  return {
    check: () => {
      const sessionUid = rc.session.uid;
      const loggedIn = rc.user !== undefined && rc.via !== 'basic';
      const davAuthenticated = rc.user !== undefined && rc.session.values.get(DAV_AUTHENTICATED) === rc.user.uid;
      const official = OFFICIAL_CLIENTS.some((re) => re.test(c.req.header('user-agent') ?? ''));
      const requiresCsrf = method !== 'GET' && method !== 'HEAD' && !official && loggedIn && (method === 'POST' || !davAuthenticated);
      let forcedLogout = false;
      if (requiresCsrf && !passesCsrfCheck(c)) {
        if (method !== 'POST') throw notAuthenticated('CSRF check not passed.');
        forcedLogout = true;
      }
      if (!forcedLogout) {
        const app = rc.session.values.get('app_api') === true;
        if (sessionUid && rc.session.twoFactorPending && !app) throw notAuthenticated('2FA challenge not passed.');
        if (loggedIn && rc.user) {
          const dav = rc.session.values.get(DAV_AUTHENTICATED);
          // The apache backend (user_oidc's bearer login) and cookie sessions without a DAV login pass.
          if (rc.via === 'bearer' || dav === undefined || (dav === rc.user.uid && c.req.header('authorization') === undefined)) return { user: rc.user };
        }
      }
      if ((forcedLogout || !loggedIn) && (c.req.header('x-requested-with') ?? '').split(',').map((s) => s.trim()).includes('XMLHttpRequest')) {
        throw notAuthenticated('Cannot authenticate over ajax calls', { 'WWW-Authenticate': `DummyBasic realm="${REALM}"` });
      }
      if (!rc.basic) return { reason: DAV_AUTH_REASONS.noBasic };
      const user = rc.state.checkPassword(rc.basic.user, rc.basic.password);
      if (!user) return { reason: DAV_AUTH_REASONS.badBasic };
      return { user };
    },
    challenge: () => [`Basic realm="${REALM}", charset="UTF-8"`],
  };
}

function reasonOnly(reason: string): Backend {
  return { check: () => ({ reason }), challenge: () => [] };
}

/**
 * The federation app's `FedAuth` (Sabre `AbstractBasic` for trusted servers' shared secrets, principals
 * under `principals/system/`): never a test user; no challenge of its own. Observed in the 401 message of
 * NC 32.0.1 between the federated-calendar reason and BearerAuth's.
 */
function federationBackend(c: DoubleContext): Backend {
  const rc = c.get('rc');
  return { check: () => ({ reason: rc.basic ? DAV_AUTH_REASONS.badBasic : DAV_AUTH_REASONS.noBasic }), challenge: () => [] };
}

/**
 * The auth backends of the DAV server in their order. `/remote.php/dav` (apps/dav/lib/Server.php):
 * PublicAuth, the backends apps add on `SabrePluginAuthInitEvent` (app_api's AppAPIAuth; from NC 32 the
 * dav app's FederatedCalendarAuth while calendar federation is on; the federation app's FedAuth), BearerAuth,
 * then Auth. The legacy
 * `/remote.php/webdav` (appinfo/v1/webdav.php) has Auth first, then BearerAuth.
 */
function backends(c: DoubleContext, endpoint: DavEndpoint): Backend[] {
  if (endpoint === 'webdav') return [basicBackend(c), bearerBackend(c)];
  const rc = c.get('rc');
  const list: Backend[] = [reasonOnly(DAV_AUTH_REASONS.publicAuth)];
  if (rc.state.isEnabled('app_api')) list.push(reasonOnly(DAV_AUTH_REASONS.appApi));
  if (rc.state.features.davFederatedCalendarAuth && appBool(c, 'dav', 'enableCalendarFederation', true)) list.push(reasonOnly(DAV_AUTH_REASONS.federatedCalendar));
  if (rc.state.isEnabled('federation')) list.push(federationBackend(c));
  list.push(bearerBackend(c), basicBackend(c));
  return list;
}

/**
 * Sabre's auth plugin (`Sabre\DAV\Auth\Plugin::beforeMethod`): the first backend that accepts the request
 * names the user; when none does, every backend challenges and the request fails with
 * `NotAuthenticated` (401) whose message joins every backend's reason with `, `. The only
 * `WWW-Authenticate` is Basic's `Basic realm="Nextcloud", charset="UTF-8"`: BearerAuth deliberately
 * sends none. DAV never passes core's CORSMiddleware (facts page, "Bearer tokens on Nextcloud APIs").
 * Throws a DavError; returns the user otherwise.
 */
export function davAuthenticate(c: DoubleContext, endpoint: DavEndpoint): DoubleUser {
  const list = backends(c, endpoint);
  const reasons: string[] = [];
  for (const backend of list) {
    const result = backend.check();
    if ('user' in result) return result.user;
    reasons.push(result.reason);
  }
  const challenges = list.flatMap((b) => b.challenge());
  throw notAuthenticated(reasons.join(', '), challenges.length > 0 ? { 'WWW-Authenticate': challenges } : {});
}
