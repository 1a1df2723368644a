import type { Hono } from 'hono';
import type { DoubleState } from '../double-state.ts';
import type { DoubleEnv } from '../request-context.ts';

/** WebDAV files, CalDAV and CardDAV. */
export function registerDavRoutes(_app: Hono<DoubleEnv>, _state: DoubleState): void {
  // Filled in by its own change.
}
