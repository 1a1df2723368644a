import type { Hono } from 'hono';
import type { DoubleState } from '../double-state.ts';
import type { DoubleEnv } from '../request-context.ts';

/** The Tables API. */
export function registerTablesRoutes(_app: Hono<DoubleEnv>, _state: DoubleState): void {
  // Filled in by its own change.
}
