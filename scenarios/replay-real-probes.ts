import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { CookieJar, startDouble, type NextcloudMajor, type PatchMode } from '../double/index.ts';
import { checkVariant, VariantError } from './variant.ts';

/**
 * The steps of a probe, in the order it makes them: a plain-HTTP DCR + PKCE S256 authorization-code flow,
 * then the facts page's bearer table ("Bearer tokens on Nextcloud APIs") with the access token, then a
 * second exchange of the same code. A recording names its steps with these keys; each value is an HTTP
 * status unless said otherwise.
 */
export const PROBE_STEPS = [
  /** GET /index.php/.well-known/openid-configuration. */
  'discovery',
  /** Discovery's `code_challenge_methods_supported` (the array). */
  'pkce_methods',
  /** Whether discovery has a `registration_endpoint` (boolean). */
  'has_registration_endpoint',
  /** POST the registration endpoint (DCR) with a loopback `redirect_uris` and the recording's `token_type`. */
  'register',
  /** GET /index.php/login with a fresh cookie jar. */
  'login_page',
  /** Whether the login page's `<head>` carries `data-requesttoken` (boolean). */
  'login_page_has_requesttoken',
  /** POST /index.php/login (user, password, requesttoken, `Origin`): `"<status> <Location>"`. */
  'login_post',
  /** The logged-in authorization request (PKCE S256) redirected to `redirect_uri` with the `state` sent (boolean). */
  'state_ok',
  /** ... and with a `code` (boolean). */
  'got_code',
  /** POST the token endpoint: `authorization_code`, `client_secret_post`, `code_verifier`. */
  'token',
  /** Whether the access token has the three base64url parts of a JWT (boolean). */
  'token_looks_jwt',
  /** The token answer's `expires_in` (number). */
  'expires_in',
  /** GET the userinfo endpoint, Bearer. */
  'userinfo',
  /** GET /ocs/v2.php/cloud/capabilities, Bearer, `OCS-APIRequest: true`. */
  'ocs_capabilities',
  /** GET /ocs/v2.php/cloud/user, Bearer, `OCS-APIRequest: true`. */
  'ocs_cloud_user',
  /** GET /index.php/apps/notes/api/v1/notes, Bearer only. */
  'notes_bearer_only',
  /** ... its body (string). */
  'notes_bearer_only_body',
  /** The same Notes GET with `OCS-APIRequest: true`. */
  'notes_bearer_ocs_header',
  /** PROPFIND /remote.php/dav/files/<uid>/, Depth 1, Bearer. */
  'dav_files_propfind',
  /** PROPFIND /remote.php/dav/calendars/<uid>/, Depth 1, Bearer. */
  'dav_calendars_propfind',
  /** The Notes GET with an invalid bearer token. */
  'notes_invalid_token',
  /** GET /ocs/v2.php/cloud/user with an invalid bearer token and `OCS-APIRequest: true`. */
  'ocs_invalid_token',
  /** The same code exchanged a second time. */
  'code_reuse',
  /** The Notes GET with the first access token and `OCS-APIRequest: true`, after the reuse attempt. */
  'notes_after_code_reuse',
] as const;

/** One step of a probe. */
export type ProbeStep = (typeof PROBE_STEPS)[number];

/** What a probe observed, by step; a step it could not make (a step before it failed) is a `NotReached`. */
export type ProbeSteps = Partial<Record<string, unknown>>;

/** The value of a step the probe could not make, with why. */
export interface NotReached {
  notReached: string;
}

/** The variant a probe recording is of, from its file name: the exact Nextcloud release, the apps, the patch. */
export interface ProbeVariant {
  nextcloud: NextcloudMajor;
  nextcloudVersion: string;
  oidc: string;
  userOidc: string;
  patch: PatchMode;
}

/** One recording of a probe against a real Nextcloud (a `*.probe-*.json`). */
export interface RealProbe {
  path: string;
  variant: ProbeVariant;
  /** The base URL of the recorded instance (the instance-specific part of its absolute URLs). */
  base: string;
  tokenType: 'opaque' | 'jwt';
  steps: Readonly<Record<string, unknown>>;
}

const PROBE_FILE = /^nc(\d+)\.(\d+)\.(\d+)-oidc(\d[\d.]*)-uo(\d[\d.]*)-(.+?)\.probe-.+\.json$/;

/** Whether a file name is that of a probe recording (`*.probe-*.json`). */
export function isProbeFileName(name: string): boolean {
  return /\.probe-[^/]+\.json$/.test(name);
}

/**
 * The variant of a probe recording from its file name, `nc<exact>-oidc<v>-uo<v>-<patch>.probe-<anything>.json`
 * (`nc34.0.1-oidc2.0.9-uo8.10.1-none.probe-jwt.json`), checked as a variant is. Throws a VariantError naming the file.
 */
export function probeVariant(fileName: string): ProbeVariant {
  const m = PROBE_FILE.exec(fileName);
  if (!m) throw new VariantError(`${fileName} is not named nc<exact release>-oidc<version>-uo<version>-<patch>.probe-<name>.json, such as nc34.0.1-oidc2.0.9-uo8.10.1-none.probe-jwt.json`);
  try {
    const { ocsHeader: _, ...variant } = checkVariant({ nextcloud: Number(m[1]), nextcloudVersion: `${m[1]}.${m[2]}.${m[3]}`, oidc: m[4]!, userOidc: m[5]!, patch: m[6]!, ocsHeader: false });
    return variant as ProbeVariant;
  } catch (error) {
    if (error instanceof VariantError) throw new VariantError(`${fileName}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** Reads one probe recording: its variant from the name, `base`, `tokenType` (`opaque` or `jwt`) and `steps`. */
export function readRealProbe(path: string): RealProbe {
  const name = basename(path);
  const variant = probeVariant(name);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new VariantError(`${name} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const record = (json ?? {}) as Record<string, unknown>;
  const { base, tokenType, steps } = record;
  if (tokenType !== 'opaque' && tokenType !== 'jwt') throw new VariantError(`${name}: tokenType is ${JSON.stringify(tokenType)}, not "opaque" or "jwt"`);
  if (typeof base !== 'string' || !/^https?:\/\//.test(base)) throw new VariantError(`${name}: base is ${JSON.stringify(base)}, not the instance's http(s) URL`);
  if (typeof steps !== 'object' || steps === null || Array.isArray(steps)) throw new VariantError(`${name}: steps is not an object of step name -> observed value`);
  return { path, variant, base: base.replace(/\/+$/, ''), tokenType, steps: steps as Record<string, unknown> };
}

/** The probe recordings (`*.probe-*.json`) of `dir`, in name order; an empty list when the folder does not exist or holds none. */
export function readRealProbes(dir: string): RealProbe[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter(isProbeFileName)
    .sort()
    .map((name) => readRealProbe(join(dir, name)));
}

/** Where and as whom a probe runs. */
export interface ProbeTarget {
  /** Base URL of the instance, without a trailing slash. */
  baseUrl: string;
  user: string;
  password: string;
  /** The access token format asked for in the registration (DCR `token_type`). */
  tokenType: 'opaque' | 'jwt';
}

interface Answer {
  status: number;
  location: string | undefined;
  body: string;
}

/** One request without following redirects; `jar` sends and keeps cookies (a request without one sends none). */
async function send(url: string, init: RequestInit & { jar?: CookieJar } = {}): Promise<Answer> {
  const { jar, ...rest } = init;
  const headers = new Headers(rest.headers);
  const cookie = jar?.header();
  if (cookie) headers.set('Cookie', cookie);
  const response = await fetch(url, { ...rest, headers, redirect: 'manual' });
  jar?.store(response);
  return { status: response.status, location: response.headers.get('location') ?? undefined, body: await response.text() };
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const PROPFIND_BODY = '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:displayname/></d:prop></d:propfind>';
/** Redirects followed inside the instance from the authorization request to the client. */
const MAX_HOPS = 8;

/**
 * Makes the probe's steps (PROBE_STEPS) against an instance over plain HTTP, as a recording was made: the
 * client registers through DCR (with `token_type`), logs in through the login page (its `data-requesttoken`, an `Origin` header)
 * with a cookie jar, sends the authorization request with PKCE S256 and follows redirects inside the instance
 * up to `redirect_uri` (never contacted), exchanges the code, then calls the APIs with the bearer token and no
 * cookies, and exchanges the code again. A step that cannot be made because an earlier one failed is a
 * NotReached. Tokens and secrets stay inside.
 */
export async function runProbe(target: ProbeTarget): Promise<ProbeSteps> {
  const base = target.baseUrl.replace(/\/+$/, '');
  const steps: ProbeSteps = {};
  const skip = (reason: string, from: ProbeStep): ProbeSteps => {
    for (const step of PROBE_STEPS.slice(PROBE_STEPS.indexOf(from))) if (!(step in steps)) steps[step] = { notReached: reason } satisfies NotReached;
    return steps;
  };
  const json = { Accept: 'application/json' };
  const ocs = { ...json, 'OCS-APIRequest': 'true' };

  const discovery = await send(`${base}/index.php/.well-known/openid-configuration`, { headers: json });
  steps['discovery'] = discovery.status;
  const metadata = parseJson(discovery.body) ?? {};
  steps['pkce_methods'] = metadata['code_challenge_methods_supported'];
  steps['has_registration_endpoint'] = typeof metadata['registration_endpoint'] === 'string';
  const endpoint = (key: string, path: string): string => (typeof metadata[key] === 'string' ? (metadata[key] as string) : `${base}/index.php/apps/oidc/${path}`);

  const redirectUri = 'http://127.0.0.1:9/callback';
  const registration = await send(endpoint('registration_endpoint', 'register'), {
    method: 'POST',
    headers: { ...json, 'Content-Type': 'application/json' },
    body: JSON.stringify({ client_name: 'nc-oauth-lab probe', redirect_uris: [redirectUri], token_type: target.tokenType }),
  });
  steps['register'] = registration.status;
  const client = parseJson(registration.body) ?? {};
  const clientId = typeof client['client_id'] === 'string' ? client['client_id'] : undefined;
  const clientSecret = typeof client['client_secret'] === 'string' ? client['client_secret'] : '';

  const jar = new CookieJar();
  const loginPage = await send(`${base}/index.php/login`, { jar, headers: { Accept: 'text/html' } });
  steps['login_page'] = loginPage.status;
  const requestToken = /<head[^>]*data-requesttoken="([^"]*)"/.exec(loginPage.body)?.[1];
  steps['login_page_has_requesttoken'] = requestToken !== undefined && requestToken !== '';
  const login = await send(`${base}/index.php/login`, {
    jar,
    method: 'POST',
    headers: { Accept: 'text/html', 'Content-Type': 'application/x-www-form-urlencoded', Origin: new URL(base).origin },
    body: new URLSearchParams({ user: target.user, password: target.password, requesttoken: requestToken ?? '', timezone: 'UTC', timezone_offset: '0' }).toString(),
  });
  steps['login_post'] = `${login.status} ${login.location === undefined ? '' : new URL(login.location, base).toString()}`.trim();
  if (clientId === undefined) return skip('the registration gave no client_id', 'state_ok');

  const state = randomBytes(16).toString('hex');
  const verifier = randomBytes(48).toString('base64url');
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: 'openid profile email',
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  let url = `${endpoint('authorization_endpoint', 'authorize')}?${query}`;
  let callback: URL | undefined;
  for (let hop = 0; hop < MAX_HOPS && callback === undefined; hop++) {
    const answer = await send(url, { jar, headers: { Accept: 'text/html' } });
    if (answer.status < 300 || answer.status >= 400 || answer.location === undefined) break;
    const next = new URL(answer.location, url);
    if (next.toString().startsWith(redirectUri)) callback = next;
    else if (next.origin === new URL(base).origin) url = next.toString();
    else break;
  }
  steps['state_ok'] = callback?.searchParams.get('state') === state;
  const code = callback?.searchParams.get('code') ?? '';
  steps['got_code'] = code !== '';
  if (code === '') return skip('the authorization request gave no code', 'token');

  const exchange = (): Promise<Answer> =>
    send(endpoint('token_endpoint', 'token'), {
      method: 'POST',
      headers: { ...json, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: clientId, client_secret: clientSecret, code_verifier: verifier }).toString(),
    });
  const token = await exchange();
  steps['token'] = token.status;
  const tokens = parseJson(token.body) ?? {};
  const accessToken = typeof tokens['access_token'] === 'string' ? tokens['access_token'] : undefined;
  steps['token_looks_jwt'] = accessToken !== undefined && JWT_SHAPE.test(accessToken);
  steps['expires_in'] = tokens['expires_in'];
  if (accessToken === undefined) return skip('the token endpoint gave no access token', 'userinfo');

  const bearer = { Authorization: `Bearer ${accessToken}` };
  const invalid = { Authorization: `Bearer ${randomBytes(54).toString('base64url').replace(/[-_]/g, 'A').slice(0, 72)}` };
  const notes = `${base}/index.php/apps/notes/api/v1/notes`;
  steps['userinfo'] = (await send(endpoint('userinfo_endpoint', 'userinfo'), { headers: { ...json, ...bearer } })).status;
  steps['ocs_capabilities'] = (await send(`${base}/ocs/v2.php/cloud/capabilities`, { headers: { ...ocs, ...bearer } })).status;
  const cloudUser = await send(`${base}/ocs/v2.php/cloud/user`, { headers: { ...ocs, ...bearer } });
  steps['ocs_cloud_user'] = cloudUser.status;
  const uid = (((parseJson(cloudUser.body)?.['ocs'] as Record<string, unknown> | undefined)?.['data'] as Record<string, unknown> | undefined)?.['id'] as string | undefined) ?? target.user;
  const notesBearerOnly = await send(notes, { headers: { ...json, ...bearer } });
  steps['notes_bearer_only'] = notesBearerOnly.status;
  steps['notes_bearer_only_body'] = notesBearerOnly.body;
  steps['notes_bearer_ocs_header'] = (await send(notes, { headers: { ...ocs, ...bearer } })).status;
  const propfind = (path: string): Promise<Answer> =>
    send(`${base}/remote.php/dav/${path}/${encodeURIComponent(uid)}/`, { method: 'PROPFIND', headers: { ...bearer, Depth: '1', 'Content-Type': 'application/xml; charset=utf-8' }, body: PROPFIND_BODY });
  steps['dav_files_propfind'] = (await propfind('files')).status;
  steps['dav_calendars_propfind'] = (await propfind('calendars')).status;
  steps['notes_invalid_token'] = (await send(notes, { headers: { ...json, ...invalid } })).status;
  steps['ocs_invalid_token'] = (await send(`${base}/ocs/v2.php/cloud/user`, { headers: { ...ocs, ...invalid } })).status;
  steps['code_reuse'] = (await exchange()).status;
  steps['notes_after_code_reuse'] = (await send(notes, { headers: { ...ocs, ...bearer } })).status;
  return steps;
}

/** A step where the double did not answer as the recording. */
export interface ProbeDisagreement {
  step: string;
  recorded: unknown;
  double: unknown;
}

/** A recording compared with what the double answered. */
export interface ProbeComparison {
  /** The recorded steps where the double answered the same. */
  agreed: string[];
  disagreements: ProbeDisagreement[];
  /** Recorded steps the probe does not know (a newer recording): not checked, so they fail the replay. */
  unknownSteps: string[];
}

/** `"<status> <absolute URL>"` with the instance's base URL taken off the URL (its path and query stay). */
function withoutBase(value: unknown, base: string): unknown {
  if (typeof value !== 'string') return value;
  const m = /^(\d{3}) (\S+)$/.exec(value);
  if (!m) return value;
  const location = m[2]!;
  if (location.startsWith(`${base}/`)) return `${m[1]} ${location.slice(base.length)}`;
  try {
    const url = new URL(location);
    return `${m[1]} ${url.pathname}${url.search}`;
  } catch {
    return value;
  }
}

/**
 * Compares a recording step by step with the double's answers: exactly (deep equality), except the base URL
 * inside `login_post`'s Location, which is the instance's own (the recorded base and the double's are taken off).
 */
export function compareProbe(recorded: RealProbe, played: ProbeSteps, playedBase: string): ProbeComparison {
  const known = new Set<string>(PROBE_STEPS);
  const comparison: ProbeComparison = { agreed: [], disagreements: [], unknownSteps: [] };
  for (const [step, value] of Object.entries(recorded.steps)) {
    if (!known.has(step)) {
      comparison.unknownSteps.push(step);
      continue;
    }
    const [want, got] = step === 'login_post' ? [withoutBase(value, recorded.base), withoutBase(played[step], playedBase.replace(/\/+$/, ''))] : [value, played[step]];
    if (isDeepStrictEqual(want, got)) comparison.agreed.push(step);
    else comparison.disagreements.push({ step, recorded: want, double: got });
  }
  return comparison;
}

/** What one recording and the double answered. */
export interface ProbeReplay {
  probe: RealProbe;
  comparison: ProbeComparison;
  /** Milliseconds the double's probe took (start to stop). */
  durationMs: number;
}

/**
 * Replays one probe recording on the double: a double of the same variant (the recorded release's major,
 * oidc, user_oidc, patch) set up as the recorded instance (../shared/real-nextcloud/README.md: DCR on, bearer
 * validation on, consent off, protections off, `default_token_type` opaque) on 127.0.0.1, the probe run as a
 * test user with the recording's `tokenType` as DCR `token_type` (a client's token type is its own: DCR without
 * `token_type` gives an opaque client whatever `default_token_type` says, H2CK/oidc DynamicRegistrationController
 * 2.0.9), the double stopped whatever happens, and the answers compared with `compareProbe`.
 */
export async function replayProbeOnDouble(probe: RealProbe): Promise<ProbeReplay> {
  const started = Date.now();
  const { nextcloud, oidc, userOidc, patch } = probe.variant;
  const double = await startDouble({ nextcloud, oidc, userOidc, patch, tokenType: 'opaque', host: '127.0.0.1' });
  try {
    const user = double.users.find((u) => u.uid !== 'admin') ?? double.users[0]!;
    const played = await runProbe({ baseUrl: double.url, user: user.uid, password: user.password, tokenType: probe.tokenType });
    return { probe, comparison: compareProbe(probe, played, double.url), durationMs: Date.now() - started };
  } finally {
    await double.stop();
  }
}
