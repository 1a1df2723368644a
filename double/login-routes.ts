import type { Hono } from 'hono';
import type { DoubleState } from './double-state.ts';
import type { DoubleEnv } from './request-context.ts';

/** The login page, the login POST and logout. */
export function registerLoginRoutes(_app: Hono<DoubleEnv>, _state: DoubleState): void {
  // Filled in by its own change.
}
