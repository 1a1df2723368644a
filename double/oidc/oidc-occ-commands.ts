import type { DoubleState } from '../double-state.ts';
import { parseOccArgs, type OccCommand, type OccResult } from '../occ.ts';
import { oidcStore, type OidcClient } from './oidc-store.ts';

/** Client ids and secrets given on the command line: printable ASCII except `:`, 32-64 characters. */
const CREDENTIAL_PATTERN = /^[\x21-\x39\x3B-\x7E]{32,64}$/;

const ok = (stdout: string): OccResult => ({ exitCode: 0, stdout, stderr: '' });
/** The app's commands print their errors to stdout as `Error: ...` and exit 1. */
const failure = (message: string): OccResult => ({ exitCode: 1, stdout: `Error: ${message}\n`, stderr: '' });

/** A client as the app's Client::jsonSerialize prints it. */
function serialize(state: DoubleState, client: OidcClient, redirectUris: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: client.name,
    redirect_uris: redirectUris,
    jwt_alg: client.signingAlg,
    type: client.type,
    client_id: client.clientId,
    client_secret: client.clientSecret,
    flow_type: client.flowType,
    dcr: client.dynamic,
    issued_at: oidcStore(state).issuedAt(client),
    token_type: client.tokenType,
    allowed_scopes: client.allowedScopes,
    email_regex: client.emailRegex,
  };
  if (state.features.clientResourceUrl) out['resource_url'] = client.resourceUrl ?? null;
  return out;
}

/** PHP's `json_encode(..., JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES)`: four spaces, `[]` and `{}` for empty values. */
function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 4);
}

/** RedirectUriService::isValidRedirectUri, reduced to its parse checks. */
function redirectUriError(uri: string): string | undefined {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/\/.+/.test(uri)) return undefined;
  try {
    const url = new URL(uri.replace('localhost:*/', 'localhost/'));
    if (url.hostname === '') return 'Could not parse URL or missing host/path for scheme-only URI';
    if (url.hostname === 'localhost' && url.protocol !== 'http:' && url.protocol !== 'https:') return 'Invalid scheme for localhost, must be http or https';
    return undefined;
  } catch {
    return 'Could not parse URL or missing host';
  }
}

function option(options: Map<string, string | true>, long: string, short?: string): string | undefined {
  const v = options.get(long) ?? (short ? options.get(short) : undefined);
  return typeof v === 'string' ? v : undefined;
}

/**
 * `occ oidc:create <name> <redirect_uri>... [-a RS256|HS256] [-f code|'code id_token'] [-t confidential|public]
 * [--token_type opaque|jwt] [--allowed_scopes ...] [--email_regex ...] [--client_id ...] [--client_secret ...]
 * [--resource_url ...]`: prints the new client as JSON, with `client_id` and `client_secret`. Without
 * `--token_type` the client gets app config `default_token_type`.
 */
const create: OccCommand = {
  name: 'oidc:create',
  run(state, args) {
    if (!state.isEnabled('oidc')) return { exitCode: 1, stdout: '', stderr: 'Command "oidc:create" is not defined.' };
    const valued = ['algorithm', 'a', 'flow', 'f', 'type', 't', 'token_type', 'allowed_scopes', 'email_regex', 'client_id', 'client_secret', 'resource_url'];
    const { positionals, options } = parseOccArgs(args, valued);
    const [name, ...redirectUris] = positionals;
    if (!name || redirectUris.length === 0) return { exitCode: 1, stdout: '', stderr: `Not enough arguments (missing: "${name ? 'redirect_uris' : 'name, redirect_uris'}").` };
    for (const uri of redirectUris) {
      if (redirectUriError(uri)) return failure(`The redirect uri '${uri}' is not valid according to the configured redirect uri rules.`);
    }
    const tokenTypeOption = option(options, 'token_type');
    const tokenType = tokenTypeOption !== undefined && tokenTypeOption !== '' ? tokenTypeOption : (state.appConfig.get('oidc')?.get('default_token_type') ?? 'opaque');
    const clientId = option(options, 'client_id');
    if (clientId !== undefined && clientId.trim() !== '' && !CREDENTIAL_PATTERN.test(clientId)) return failure('Your clientId must comply with the following rules: printable ASCII except : and length 32-64');
    const clientSecret = option(options, 'client_secret');
    if (clientSecret !== undefined && clientSecret.trim() !== '' && !CREDENTIAL_PATTERN.test(clientSecret)) return failure('Your clientSecret must comply with the following rules: printable ASCII except : and length 32-64');
    const store = oidcStore(state);
    if (clientId !== undefined && clientId.trim() !== '' && store.clients.has(clientId)) return failure(`A client with the client id '${clientId}' exists already.`);
    let resourceUrl: string | undefined;
    const resource = option(options, 'resource_url');
    if (state.features.clientResourceUrl && resource !== undefined && resource.trim() !== '') {
      resourceUrl = resource.trim();
      if ([...resourceUrl].length > 512) return failure('The resource URL exceeds the maximum length of 512 characters.');
      try {
        new URL(resourceUrl);
      } catch {
        return failure(`The resource URL '${resourceUrl}' is not a valid URL.`);
      }
    }
    const algorithm = option(options, 'algorithm', 'a') ?? 'RS256';
    const client = store.createClient({
      name,
      redirectUris,
      signingAlg: algorithm === 'RS256' ? 'RS256' : 'HS256',
      type: option(options, 'type', 't') === 'public' ? 'public' : 'confidential',
      flowType: (option(options, 'flow', 'f') ?? 'code') === 'code' ? 'code' : 'code id_token',
      tokenType: tokenType === 'jwt' ? 'jwt' : 'opaque',
      allowedScopes: option(options, 'allowed_scopes') ?? '',
      emailRegex: option(options, 'email_regex') ?? '',
      ...(clientId !== undefined && clientId.trim() !== '' ? { clientId } : {}),
      ...(clientSecret !== undefined && clientSecret.trim() !== '' ? { clientSecret } : {}),
      ...(resourceUrl !== undefined ? { resourceUrl } : {}),
    });
    return ok(`${prettyJson(serialize(state, client, redirectUris))}\n`);
  },
};

/** `occ oidc:list`: every client as JSON (the app does not load redirect URIs here: they print as `[]`). */
const list: OccCommand = {
  name: 'oidc:list',
  run(state) {
    if (!state.isEnabled('oidc')) return { exitCode: 1, stdout: '', stderr: 'Command "oidc:list" is not defined.' };
    return ok(`${prettyJson([...oidcStore(state).clients.values()].map((c) => serialize(state, c, [])))}\n`);
  },
};

/** `occ oidc:remove <client_id>`: removes a client with its consents. */
const remove: OccCommand = {
  name: 'oidc:remove',
  run(state, args) {
    if (!state.isEnabled('oidc')) return { exitCode: 1, stdout: '', stderr: 'Command "oidc:remove" is not defined.' };
    const { positionals } = parseOccArgs(args, []);
    const clientId = positionals[0];
    if (!clientId) return { exitCode: 1, stdout: '', stderr: 'Not enough arguments (missing: "client_id").' };
    if (!oidcStore(state).deleteClient(clientId)) return { exitCode: 1, stdout: `Error: could not find client with client_id ${clientId}.\n`, stderr: '' };
    return ok(`Client \`${clientId}\` removed.\n`);
  },
};

/** occ commands of the `oidc` app (H2CK/oidc lib/Command/Clients): `oidc:create`, `oidc:list`, `oidc:remove`. */
export const OIDC_OCC_COMMANDS: readonly OccCommand[] = [create, list, remove];
