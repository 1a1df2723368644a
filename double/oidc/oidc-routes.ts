import type { Hono } from 'hono';
import type { DoubleState } from '../double-state.ts';
import type { DoubleEnv } from '../request-context.ts';

/** The oidc app: discovery, DCR, authorize, token, userinfo, jwks, introspect, consent. */
export function registerOidcRoutes(_app: Hono<DoubleEnv>, _state: DoubleState): void {
  // Filled in by its own change.
}
