import { createHash, generateKeyPairSync, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { DoubleState } from '../double-state.ts';

/** The RS256 signing key of the `oidc` app of one double. */
export interface OidcSigningKey {
  /** Key id, also kept as app config `kid` as the app does. */
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public key as `/jwks` publishes it (RFC 7517 section 4). */
  jwk: { kty: 'RSA'; use: 'sig'; key_ops: ['verify']; alg: 'RS256'; kid: string; n: string; e: string };
}

/** The RSA key pair of this process (RSA key generation costs 100-500 ms; tests start many doubles). */
let processKeyPair: { privateKey: KeyObject; publicKey: KeyObject } | undefined;

/**
 * The signing key of the double's `oidc` app. The real app creates an RSA key pair when it is enabled and
 * keeps `kid`, `public_key_n` and `public_key_e` in its app config (H2CK/oidc lib/Migration/CreateKeys.php);
 * the double does the same on first use, with one key pair per process that all its doubles share (a
 * client cannot tell; a token of one double verifies at another double of the same process). The private
 * key never leaves memory.
 */
export function oidcSigningKey(state: DoubleState): OidcSigningKey {
  return state.store('oidc-signing-key', () => {
    processKeyPair ??= generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
    const { privateKey, publicKey } = processKeyPair;
    const exported = publicKey.export({ format: 'jwk' }) as JsonWebKey;
    const n = exported.n!;
    const e = exported.e!;
    const kid = createHash('sha256').update(n).digest('hex').slice(0, 32);
    state.setAppValue('oidc', 'kid', kid);
    state.setAppValue('oidc', 'public_key_n', n);
    state.setAppValue('oidc', 'public_key_e', e);
    return { kid, privateKey, publicKey, jwk: { kty: 'RSA', use: 'sig', key_ops: ['verify'], alg: 'RS256', kid, n, e } };
  });
}

/** A JWT split into its decoded header and payload, or undefined when it is not one. */
export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

/** Splits and decodes a compact JWS (RFC 7515 section 7.1) without checking it. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as unknown;
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    if (typeof header !== 'object' || header === null || typeof payload !== 'object' || payload === null) return undefined;
    return { header: header as Record<string, unknown>, payload: payload as Record<string, unknown>, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2]!, 'base64url') };
  } catch {
    return undefined;
  }
}

/**
 * Verifies an RS256 JWT signed by the double's key, synchronously (user_oidc's bearer check runs inside
 * the synchronous login steps). Returns the decoded token when the signature is good and `exp`/`nbf`
 * allow it at `nowSeconds` (not checked when undefined), else undefined.
 */
export function verifyOwnJwt(state: DoubleState, token: string, nowSeconds: number | undefined): DecodedJwt | undefined {
  const decoded = decodeJwt(token);
  if (!decoded || decoded.header['alg'] !== 'RS256') return undefined;
  const key = oidcSigningKey(state);
  if (!verify('sha256', Buffer.from(decoded.signingInput), key.publicKey, decoded.signature)) return undefined;
  if (nowSeconds === undefined) return decoded;
  const exp = decoded.payload['exp'];
  const nbf = decoded.payload['nbf'];
  if (typeof exp === 'number' && nowSeconds >= exp) return undefined;
  if (typeof nbf === 'number' && nowSeconds < nbf) return undefined;
  return decoded;
}
