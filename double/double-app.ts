import { Hono } from 'hono';
import type { DoubleState } from './double-state.ts';
import { appNotFound } from './oidc/php-json.ts';
import { OCS_STATUS, ocsResponse, requestContextMiddleware, type DoubleEnv } from './request-context.ts';
import { registerStatusRoutes } from './status-routes.ts';

/** A module of routes: it registers its handlers on the double's app. */
export type RouteModule = (app: Hono<DoubleEnv>, state: DoubleState) => void;

/** Nextcloud serves every route with and without `/index.php` (pretty URLs). */
function stripIndexPhp(path: string): string {
  if (path === '/index.php') return '/';
  return path.startsWith('/index.php/') ? path.slice('/index.php'.length) : path;
}

/**
 * What ocs/v1.php and ocs/v2.php answer to a route no enabled app has (core catches the router's
 * ResourceNotFoundException: OCS 998, HTTP 404 on v2; from code, and observed on NC 32.0.1 for the Tables
 * routes on an instance without Tables).
 */
export const OCS_NOT_FOUND_MESSAGE = 'Invalid query, please check the syntax. API specifications are here: http://www.freedesktop.org/wiki/Specifications/open-collaboration-services.\n';

/**
 * The double's HTTP app: the login steps of every request, then the route modules. Routes are written
 * without `/index.php`; both spellings reach them.
 */
export function createDoubleApp(state: DoubleState, modules: readonly RouteModule[]): Hono<DoubleEnv> {
  const app = new Hono<DoubleEnv>({ getPath: (req) => stripIndexPhp(new URL(req.url).pathname) });
  app.use('*', requestContextMiddleware(state));
  registerStatusRoutes(app, state);
  for (const register of modules) register(app, state);
  // Routes of an app that is not installed or not enabled are not loaded: ocs/v*.php answers OCS 998,
  // index.php its 404 page (observed on NC 32.0.1: POST /index.php/apps/deck/api/v1.0/boards without Deck is 404).
  app.all('/ocs/:script{v[12]\\.php}/*', (c) => ocsResponse(c, [], { statuscode: OCS_STATUS.notFound, message: OCS_NOT_FOUND_MESSAGE }));
  app.notFound((c) => appNotFound(c));
  app.onError((error, c) => {
    console.error('nc-oauth-lab double: internal error:', error);
    return c.text('Internal Server Error', 500);
  });
  return app;
}
