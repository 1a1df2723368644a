import type { Hono } from 'hono';
import type { DoubleState } from '../double-state.ts';
import type { DoubleEnv } from '../request-context.ts';

/** The Deck API v1.0. */
export function registerDeckRoutes(_app: Hono<DoubleEnv>, _state: DoubleState): void {
  // Filled in by its own change.
}
