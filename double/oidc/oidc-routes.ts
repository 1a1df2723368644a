import type { Hono } from 'hono';
import type { DoubleState } from '../double-state.ts';
import type { DoubleEnv } from '../request-context.ts';
import { registerAuthorizeRoutes } from './authorize-routes.ts';
import { registerDcrRoutes } from './dcr-routes.ts';
import { registerTokenRoutes } from './token-routes.ts';

/**
 * The `oidc` app (H2CK/oidc) as the facts page describes it: discovery, DCR and RFC 7592, authorize with
 * its redirect and consent pages, token, userinfo, jwks, introspect and end-session. Every route answers
 * core's 404 while the app is disabled.
 */
export function registerOidcRoutes(app: Hono<DoubleEnv>, state: DoubleState): void {
  registerTokenRoutes(app, state);
  registerDcrRoutes(app, state);
  registerAuthorizeRoutes(app, state);
}
