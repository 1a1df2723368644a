import { randomBytes } from 'node:crypto';
import { HTTP_TIMEOUT_MS, unreachable } from './nextcloud-http.ts';
import type { Progress, VariantPatch } from './nextcloud-instance.ts';
import type { SecretRedactor } from './secret-redactor.ts';

/**
 * The rows of the facts page's bearer table ("Bearer tokens on Nextcloud APIs"), by the matrix's check
 * ids (scenarios/checks.ts), in the order the table lists them; `bearer.ocs.user.no-ocs-header` and
 * `invalid-token.notes.ocs-header` are the table's "with or without OCS-APIRequest" halves.
 */
export const PROBE_CHECKS = [
  'bearer.ocs.capabilities',
  'bearer.ocs.user',
  'bearer.ocs.user.no-ocs-header',
  'bearer.notes.get',
  'bearer.notes.post',
  'bearer.notes.ocs-header.get',
  'bearer.notes.ocs-header.post',
  'bearer.dav.files.propfind',
  'bearer.dav.calendar.propfind',
  'invalid-token.ocs.capabilities',
  'invalid-token.ocs.user',
  'invalid-token.notes',
  'invalid-token.notes.ocs-header',
  'invalid-token.dav.files',
  'invalid-token.dav.calendar',
] as const;

/** One check of the bearer probe. */
export type ProbeCheck = (typeof PROBE_CHECKS)[number];

/** One observed row: the HTTP status and what Nextcloud said (never the token). */
export interface ProbeRow {
  check: ProbeCheck;
  status: number;
  message: string;
}

/** What the facts page expects of a row. */
export interface ProbeExpectation {
  /** Acceptable statuses (two when the patch is unknown and the row depends on it). */
  statuses: number[];
  /** Text the message must contain, when the facts page gives one. */
  message?: string;
  /** Why, in a few words, from the facts page. */
  note: string;
}

/** The variant facts a row's expectation depends on. */
export interface ProbeVariant {
  nextcloudMajor: number;
  patch: VariantPatch;
}

const CORS = 'CORS requires basic auth';
const NOT_LOGGED_IN = 'Current user is not logged in';

/**
 * The expectation of the facts page's bearer table for one row on one variant. Either patch fixes the two
 * bold rows (Notes GET/POST with Bearer only); `OCS-APIRequest` lets Notes pass the CSRF check on
 * NC >= 31; OCS and DAV never go through CORSMiddleware.
 */
export function expectedProbe(check: ProbeCheck, v: ProbeVariant): ProbeExpectation {
  const patched = v.patch === 'none' ? false : v.patch === 'unknown' ? undefined : true;
  const ocsHeaderPasses = v.nextcloudMajor >= 31;
  switch (check) {
    case 'bearer.ocs.capabilities':
      return { statuses: [200], note: 'OCS: no CORSMiddleware' };
    case 'bearer.ocs.user':
    case 'bearer.ocs.user.no-ocs-header':
      return { statuses: [200], note: 'OCS: no CORSMiddleware' };
    case 'bearer.notes.get':
    case 'bearer.notes.post':
      if (patched === undefined) return { statuses: [401, 200], note: '401 unpatched, 200 patched (patch unknown)' };
      return patched ? { statuses: [200], note: `fixed by the ${v.patch} patch` } : { statuses: [401], message: CORS, note: 'CORSMiddleware logs the bearer session out' };
    case 'bearer.notes.ocs-header.get':
    case 'bearer.notes.ocs-header.post':
      if (ocsHeaderPasses) return { statuses: [200], note: 'NC >= 31: OCS-APIRequest passes the CSRF check' };
      if (patched === undefined) return { statuses: [401, 200], note: 'NC <= 30: 401 unpatched, 200 patched (from code)' };
      return patched ? { statuses: [200], note: `NC <= 30, fixed by the ${v.patch} patch` } : { statuses: [401], note: 'NC <= 30: the header does not pass the CSRF check (from code)' };
    case 'bearer.dav.files.propfind':
    case 'bearer.dav.calendar.propfind':
      return { statuses: [207], note: 'DAV (Sabre): no CORSMiddleware' };
    case 'invalid-token.ocs.capabilities':
      return { statuses: [200], note: 'anonymous: 3 capability groups instead of 19' };
    case 'invalid-token.ocs.user':
      return { statuses: [401], message: NOT_LOGGED_IN, note: 'OCS statuscode 997' };
    case 'invalid-token.notes':
      if (patched === undefined) return { statuses: [401], note: 'not logged in' };
      return v.patch === 'server-cors' ? { statuses: [401], message: NOT_LOGGED_IN, note: 'the core patch lets Bearer past CORSMiddleware (from code)' } : { statuses: [401], message: CORS, note: 'CORSMiddleware asks for Basic' };
    case 'invalid-token.notes.ocs-header':
      return ocsHeaderPasses ? { statuses: [401], message: NOT_LOGGED_IN, note: 'NC >= 31: CSRF passes, no user' } : { statuses: [401], note: 'NC <= 30 (from code)' };
    case 'invalid-token.dav.files':
    case 'invalid-token.dav.calendar':
      return { statuses: [401], note: 'Sabre NotAuthenticated' };
  }
}

/** Whether a row is what the facts page expects. */
export function probeMatches(row: ProbeRow, expected: ProbeExpectation): boolean {
  return expected.statuses.includes(row.status) && (expected.message === undefined || row.message.includes(expected.message));
}

/** Options of the bearer probe. */
export interface BearerProbeInput {
  /** Where the harness reaches Nextcloud. */
  baseUrl: string;
  /** A valid access token of the `oidc` app. */
  token: string;
  /** The token's user (DAV homes are `/remote.php/dav/files/<uid>/`). */
  uid: string;
  /** The invalid token to send (default: 72 random alphanumerics, shaped like an opaque token). */
  invalidToken?: string;
  secrets?: SecretRedactor;
  progress?: Progress;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random alphanumerics, the shape of the `oidc` app's opaque tokens (facts page, "Tokens": 72 characters). */
export function randomAlphanumeric(length: number): string {
  return [...randomBytes(length)].map((b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join('');
}

const PROPFIND_BODY = '<?xml version="1.0" encoding="utf-8"?>\n<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:displayname/></d:prop></d:propfind>\n';

interface Probe {
  check: ProbeCheck;
  method: string;
  path: string;
  token: 'valid' | 'invalid';
  ocsHeader: boolean;
  kind: 'ocs-capabilities' | 'ocs-user' | 'notes-list' | 'notes-create' | 'dav';
}

function probes(uid: string): Probe[] {
  const u = encodeURIComponent(uid);
  const notes = '/index.php/apps/notes/api/v1/notes';
  return [
    { check: 'bearer.ocs.capabilities', method: 'GET', path: '/ocs/v2.php/cloud/capabilities', token: 'valid', ocsHeader: true, kind: 'ocs-capabilities' },
    { check: 'bearer.ocs.user', method: 'GET', path: '/ocs/v2.php/cloud/user', token: 'valid', ocsHeader: true, kind: 'ocs-user' },
    { check: 'bearer.ocs.user.no-ocs-header', method: 'GET', path: '/ocs/v2.php/cloud/user', token: 'valid', ocsHeader: false, kind: 'ocs-user' },
    { check: 'bearer.notes.get', method: 'GET', path: notes, token: 'valid', ocsHeader: false, kind: 'notes-list' },
    { check: 'bearer.notes.post', method: 'POST', path: notes, token: 'valid', ocsHeader: false, kind: 'notes-create' },
    { check: 'bearer.notes.ocs-header.get', method: 'GET', path: notes, token: 'valid', ocsHeader: true, kind: 'notes-list' },
    { check: 'bearer.notes.ocs-header.post', method: 'POST', path: notes, token: 'valid', ocsHeader: true, kind: 'notes-create' },
    { check: 'bearer.dav.files.propfind', method: 'PROPFIND', path: `/remote.php/dav/files/${u}/`, token: 'valid', ocsHeader: false, kind: 'dav' },
    { check: 'bearer.dav.calendar.propfind', method: 'PROPFIND', path: `/remote.php/dav/calendars/${u}/`, token: 'valid', ocsHeader: false, kind: 'dav' },
    { check: 'invalid-token.ocs.capabilities', method: 'GET', path: '/ocs/v2.php/cloud/capabilities', token: 'invalid', ocsHeader: true, kind: 'ocs-capabilities' },
    { check: 'invalid-token.ocs.user', method: 'GET', path: '/ocs/v2.php/cloud/user', token: 'invalid', ocsHeader: true, kind: 'ocs-user' },
    { check: 'invalid-token.notes', method: 'GET', path: notes, token: 'invalid', ocsHeader: false, kind: 'notes-list' },
    { check: 'invalid-token.notes.ocs-header', method: 'GET', path: notes, token: 'invalid', ocsHeader: true, kind: 'notes-list' },
    { check: 'invalid-token.dav.files', method: 'PROPFIND', path: `/remote.php/dav/files/${u}/`, token: 'invalid', ocsHeader: false, kind: 'dav' },
    { check: 'invalid-token.dav.calendar', method: 'PROPFIND', path: `/remote.php/dav/calendars/${u}/`, token: 'invalid', ocsHeader: false, kind: 'dav' },
  ];
}

function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What a response says, in a few words. */
function describe(kind: Probe['kind'], status: number, text: string): { message: string; noteId?: number } {
  const json = jsonOf(text) as Record<string, unknown> | unknown[] | undefined;
  if (kind.startsWith('ocs')) {
    const ocs = (json as { ocs?: { meta?: { statuscode?: number; message?: string }; data?: Record<string, unknown> } } | undefined)?.ocs;
    if (!ocs) return { message: text.trim().slice(0, 80) };
    if (status === 200 && kind === 'ocs-capabilities') {
      const groups = Object.keys((ocs.data?.['capabilities'] as Record<string, unknown> | undefined) ?? {}).length;
      return { message: `${groups} capability groups` };
    }
    if (status === 200 && kind === 'ocs-user') return { message: `user ${String(ocs.data?.['id'] ?? '?')}` };
    return { message: `OCS ${ocs.meta?.statuscode ?? '?'} ${ocs.meta?.message ?? ''}`.trim() };
  }
  if (kind === 'dav') {
    if (status === 207) return { message: `${(text.match(/<([A-Za-z][\w.-]*:)?response[\s>]/g) ?? []).length} responses` };
    const exception = /<([A-Za-z][\w.-]*:)?exception>([^<]*)</.exec(text)?.[2];
    const message = /<([A-Za-z][\w.-]*:)?message>([^<]*)</.exec(text)?.[2];
    return { message: [exception?.replace(/^.*\\/, ''), message].filter(Boolean).join(': ') || text.trim().slice(0, 80) };
  }
  if (status === 200 && kind === 'notes-list' && Array.isArray(json)) return { message: `${json.length} note${json.length === 1 ? '' : 's'}` };
  if (status === 200 && kind === 'notes-create' && json && !Array.isArray(json) && typeof json['id'] === 'number') return { message: `note ${json['id']} created`, noteId: json['id'] };
  if (json && !Array.isArray(json) && typeof json['message'] === 'string') return { message: json['message'] };
  return { message: text.trim().replace(/\s+/g, ' ').slice(0, 80) };
}

/**
 * The bearer probe: sends the requests of the facts page's bearer table with a valid and an invalid token,
 * each without cookies, and returns one row per check with the status and what Nextcloud said. Notes it
 * creates are deleted again (with the same token and `OCS-APIRequest`, which works where anything does).
 */
export async function bearerProbe(input: BearerProbeInput): Promise<ProbeRow[]> {
  const invalid = input.invalidToken ?? randomAlphanumeric(72);
  input.secrets?.add(input.token);
  const rows: ProbeRow[] = [];
  const created: number[] = [];
  const send = async (method: string, path: string, token: string, ocsHeader: boolean, body?: string, contentType?: string, depth?: string): Promise<Response> => {
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
    if (ocsHeader) headers['OCS-APIRequest'] = 'true';
    if (contentType) headers['Content-Type'] = contentType;
    if (depth) headers['Depth'] = depth;
    try {
      return await fetch(`${input.baseUrl}${path}`, { method, headers, redirect: 'manual', ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
    } catch (error) {
      throw unreachable(input.baseUrl, error);
    }
  };
  for (const probe of probes(input.uid)) {
    const token = probe.token === 'valid' ? input.token : invalid;
    let body: string | undefined;
    let contentType: string | undefined;
    if (probe.kind === 'notes-create') {
      body = JSON.stringify({ title: 'nc-oauth-lab probe', content: `Written by the nc-oauth-lab bearer probe (${probe.check}); deleted right after.`, category: '' });
      contentType = 'application/json';
    } else if (probe.kind === 'dav') {
      body = PROPFIND_BODY;
      contentType = 'application/xml; charset=utf-8';
    }
    const response = await send(probe.method, probe.path, token, probe.ocsHeader, body, contentType, probe.kind === 'dav' ? '1' : undefined);
    const text = await response.text();
    const described = describe(probe.kind, response.status, text);
    if (described.noteId !== undefined) created.push(described.noteId);
    const message = input.secrets ? input.secrets.redact(described.message) : described.message;
    rows.push({ check: probe.check, status: response.status, message });
    input.progress?.(`probe: ${probe.check} -> ${response.status}`);
  }
  for (const id of created) {
    const response = await send('DELETE', `/index.php/apps/notes/api/v1/notes/${id}`, input.token, true);
    await response.body?.cancel();
  }
  return rows;
}
