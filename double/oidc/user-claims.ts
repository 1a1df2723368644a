import type { DoubleState, DoubleUser } from '../double-state.ts';
import { oidcStore } from './oidc-store.ts';

/** Splits a scope string at spaces, dropping empty entries. */
export function scopeList(scope: string): string[] {
  return scope.split(/ +/).filter((s) => s !== '');
}

/**
 * Core's CardDAV Converter::splitFullName, which the app uses for `family_name`, `given_name` and
 * `middle_name`: the last word is the family name, the first the given name, the rest the middle name.
 */
export function splitFullName(fullName: string): [family: string, given: string, middle: string] {
  const words = fullName.split(' ');
  if (words.length > 2) return [words.at(-1)!, words[0]!, words.slice(1, -1).join(' ')];
  if (words.length === 2) return [words[1]!, words[0]!, ''];
  return [words[0] ?? '', '', ''];
}

/** The `roles`/`groups` claim value: the user's group ids (app config `group_claim_type` `gid`, the default). */
export function groupIds(user: DoubleUser): string[] {
  return [...user.groups];
}

/**
 * The profile claims of a user as the app builds them (JwtGenerator, UserInfoController): `updated_at`
 * (last login), `name` and its parts, and `picture` under the issuer. `quota` is only set when the user has
 * a quota other than `none`; the double's users have none, as a fresh Nextcloud's do.
 * `emptyNameParts` keeps empty name parts, as oidc < 2.0 did.
 */
export function profileClaims(state: DoubleState, user: DoubleUser, issuer: string, options: { emptyNameParts: boolean }): Record<string, unknown> {
  const profile: Record<string, unknown> = { updated_at: oidcStore(state).lastLogin.get(user.uid) ?? 0 };
  const displayName = user.displayName;
  if (displayName !== '') {
    profile['name'] = displayName;
    const [family, given, middle] = splitFullName(displayName);
    for (const [claim, value] of [['family_name', family], ['given_name', given], ['middle_name', middle]] as const) {
      if (options.emptyNameParts || value.trim() !== '') profile[claim] = value;
    }
  } else {
    profile['name'] = user.uid;
  }
  profile['picture'] = `${issuer}/avatar/${encodeURIComponent(user.uid)}/64`;
  return profile;
}

/**
 * The email claims: the primary address and `email_verified`, true only with app config
 * `overwrite_email_verified` = `true` (an address set by an admin is not verified). Undefined without
 * an address.
 */
export function emailClaims(state: DoubleState, user: DoubleUser): Record<string, unknown> | undefined {
  if (!user.email) return undefined;
  return { email: user.email, email_verified: state.getAppValue('oidc', 'overwrite_email_verified') === 'true' };
}

/** The parsed `claims` parameter member: claim name -> null or a request object (OIDC Core section 5.5). */
export type ClaimRequests = Record<string, null | Record<string, unknown>>;

/** Reads a stored claims member (JSON) back; empty when there is none. */
export function parseClaimRequests(json: string): ClaimRequests {
  if (json.trim() === '') return {};
  try {
    const value = JSON.parse(json) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
    const out: ClaimRequests = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (k !== '' && (v === null || (typeof v === 'object' && !Array.isArray(v)))) out[k] = v as ClaimRequests[string];
    }
    return out;
  } catch {
    return {};
  }
}

/** Whether a claim value satisfies its request (`value`/`values`, OIDC Core section 5.5.1). */
export function claimMatches(name: string, value: unknown, requests: ClaimRequests): boolean {
  if (!(name in requests)) return false;
  const request = requests[name];
  if (request === null || request === undefined) return true;
  if ('value' in request && request['value'] !== value) return false;
  if (Array.isArray(request['values']) && !(request['values'] as unknown[]).includes(value)) return false;
  return true;
}

/** Keeps all claims when their scope was granted, else only those the `claims` parameter asks for. */
export function filterClaims(claims: Record<string, unknown>, requests: ClaimRequests, scopeGranted: boolean): Record<string, unknown> {
  if (scopeGranted) return claims;
  return Object.fromEntries(Object.entries(claims).filter(([k, v]) => claimMatches(k, v, requests)));
}
