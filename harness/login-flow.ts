import type { UserInfoResponse } from 'openid-client';
import { BrowserSession, type ArtifactMode, type BrowserLoginResult } from './browser/browser-login.ts';
import { HarnessError } from './harness-error.ts';
import type { Progress, StartedNextcloud, TestUser } from './nextcloud-instance.ts';
import { CallbackServer } from './oauth/callback-server.ts';
import { OAuthClient, type AuthorizationRequest, type OAuthOptions, type PkceMethod, type TokenSet } from './oauth/oauth-client.ts';

/** The scope the harness asks for by default: OIDC plus `offline_access` for a refresh token (oidc >= 1.12). */
export const DEFAULT_SCOPE = 'openid profile email offline_access';

/** Options of a full browser login. */
export interface LoginFlowOptions extends OAuthOptions {
  /** The test user to log in as (default: the instance's first test user). */
  user?: string;
  /** A dynamically registered client (default) or a static one made with `occ oidc:create`. */
  client?: 'dcr' | 'static';
  /** Reuse a client instead of making one (it is not deleted). */
  existingClient?: OAuthClient;
  /** Access token format to ask for at registration (DCR `token_type`). */
  tokenType?: 'opaque' | 'jwt';
  scope?: string;
  pkce?: PkceMethod;
  /** RFC 8707 `resource` in the authorization request. */
  resource?: string;
  /** Allow (default) or Deny on the consent page. */
  consent?: 'allow' | 'deny';
  /** The next backup code, when the user needs a second factor (see `enableBackupCodes`). */
  secondFactor?: () => string | undefined;
  /**
   * Delete the client the flow made right after the login. Deleting a client deletes its tokens (RFC 7592
   * DELETE), so by default (false) the client is kept until `instance.stop()` deletes it (`onStop`) and the
   * tokens work until then; delete it earlier with `result.client.delete()`.
   */
  deleteClient?: boolean;
  /** Traces and screenshots of failed logins go here. */
  outputDir?: string;
  artifacts?: ArtifactMode;
  /** Reuse a browser (one per run); else one is launched and closed. */
  browser?: BrowserSession;
  /** Reuse a callback server; else one is started and stopped. */
  callbacks?: CallbackServer;
  /** The flow's deadline in milliseconds from its start (default 60 000): the browser login gets what is left of it after the client is made. */
  timeoutMs?: number;
  progress?: Progress;
}

/** What a full browser login produced. Holds tokens: never log it unredacted. */
export interface LoginFlowResult {
  user: TestUser;
  client: OAuthClient;
  request: AuthorizationRequest;
  browser: BrowserLoginResult;
  tokens: TokenSet;
  userinfo: UserInfoResponse;
}

/**
 * The whole OAuth login against a prepared instance: a client (DCR or `occ oidc:create`), a callback server on
 * 127.0.0.1, the browser login of the facts page, the code exchange with PKCE, state and nonce checks, and
 * userinfo for the token's subject. A denied consent throws ERR_AUTHORIZATION_DENIED.
 */
export async function browserLoginFlow(instance: StartedNextcloud, options: LoginFlowOptions = {}): Promise<LoginFlowResult> {
  const progress = options.progress ?? (() => undefined);
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const user = instance.user(options.user);
  const target = { baseUrl: instance.baseUrl, publicUrl: instance.publicUrl, occ: instance.occ, secrets: instance.secrets };
  const callbacks = options.callbacks ?? (await CallbackServer.start());
  let browser = options.browser;
  let client = options.existingClient;
  const made = client === undefined;
  try {
    if (!client) {
      progress(options.client === 'static' ? 'creating a static client with occ oidc:create' : 'registering a client (dynamic client registration)');
      const request = { redirectUris: [callbacks.redirectUri], ...(options.tokenType ? { tokenType: options.tokenType } : {}) };
      client = options.client === 'static' ? await OAuthClient.createStatic(target, request, options) : await OAuthClient.register(target, request, options);
    }
    const request = await client.authorizationRequest({ scope: options.scope ?? DEFAULT_SCOPE, pkce: options.pkce ?? 'S256', redirectUri: callbacks.redirectUri, ...(options.resource ? { resource: options.resource } : {}) });
    browser ??= await BrowserSession.launch(instance.secrets);
    const seen = await browser.login(user, request, callbacks, {
      ...(options.consent ? { consent: options.consent } : {}),
      ...(options.secondFactor ? { secondFactor: options.secondFactor } : {}),
      ...(options.outputDir ? { outputDir: options.outputDir } : {}),
      ...(options.artifacts ? { artifacts: options.artifacts } : {}),
      timeoutMs: Math.max(1000, deadline - Date.now()),
      progress,
    });
    if (seen.callback.error) {
      throw new HarnessError('ERR_AUTHORIZATION_DENIED', `the authorization server answered error=${seen.callback.error}${seen.callback.errorDescription ? ` (${seen.callback.errorDescription})` : ''}`, { detail: { error: seen.callback.error } });
    }
    progress('exchanging the code at the token endpoint');
    const tokens = await client.exchangeCode(seen.callback, request);
    progress('reading userinfo');
    const subject = typeof tokens.idTokenClaims?.['sub'] === 'string' ? (tokens.idTokenClaims['sub'] as string) : undefined;
    const userinfo = await client.userinfo(tokens.accessToken, subject);
    if (made) {
      if (options.deleteClient === true) {
        progress('deleting the client');
        await client.delete();
      } else {
        const kept = client;
        instance.onStop(() => kept.delete());
      }
    }
    return { user, client, request, browser: seen, tokens, userinfo };
  } catch (error) {
    if (made && client) await client.delete().catch(() => undefined);
    throw error;
  } finally {
    if (!options.browser && browser) await browser.close();
    if (!options.callbacks) await callbacks.close();
  }
}
