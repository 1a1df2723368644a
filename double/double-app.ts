import { Hono } from 'hono';
import type { DoubleState } from './double-state.ts';
import { requestContextMiddleware, type DoubleEnv } from './request-context.ts';
import { registerStatusRoutes } from './status-routes.ts';

/** A module of routes: it registers its handlers on the double's app. */
export type RouteModule = (app: Hono<DoubleEnv>, state: DoubleState) => void;

/** Nextcloud serves every route with and without `/index.php` (pretty URLs). */
function stripIndexPhp(path: string): string {
  if (path === '/index.php') return '/';
  return path.startsWith('/index.php/') ? path.slice('/index.php'.length) : path;
}

/**
 * The double's HTTP app: the login steps of every request, then the route modules. Routes are written
 * without `/index.php`; both spellings reach them.
 */
export function createDoubleApp(state: DoubleState, modules: readonly RouteModule[]): Hono<DoubleEnv> {
  const app = new Hono<DoubleEnv>({ getPath: (req) => stripIndexPhp(new URL(req.url).pathname) });
  app.use('*', requestContextMiddleware(state));
  registerStatusRoutes(app, state);
  for (const register of modules) register(app, state);
  app.notFound((c) => c.text('Page not found', 404));
  app.onError((error, c) => {
    console.error('nc-oauth-lab double: internal error:', error);
    return c.text('Internal Server Error', 500);
  });
  return app;
}
