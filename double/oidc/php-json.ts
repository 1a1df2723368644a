import type { DoubleContext } from '../request-context.ts';

/**
 * A JSONResponse as Nextcloud renders it: `json_encode` with JSON_HEX_TAG, so `/` is written `\/` and `<`,
 * `>` as `\u003C`, `\u003E`; empty PHP arrays are `[]`.
 */
export function phpJson(c: DoubleContext, body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const json = JSON.stringify(body).replace(/\//g, '\\/').replace(/</g, '\\u003C').replace(/>/g, '\\u003E');
  if (status === 204) return c.body(null, 204, headers);
  return c.body(json, status as 200, { ...headers, 'Content-Type': 'application/json; charset=utf-8' });
}

/** The answer to a route of a disabled app: core's 404 page. */
export function appNotFound(c: DoubleContext): Response {
  return c.html('<!DOCTYPE html><html><head><title>Nextcloud</title></head><body><div class="guest-box"><h2>Page not found</h2><p class="hint">The page could not be found on the server.</p></div></body></html>', 404);
}

/** Request parameters as the app framework merges them: query, then a JSON or form body. */
export async function requestParams(c: DoubleContext): Promise<Record<string, unknown>> {
  const params: Record<string, unknown> = { ...c.req.query() };
  if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'DELETE') return params;
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  if (type.includes('application/json')) {
    try {
      const body = (await c.req.json()) as unknown;
      if (typeof body === 'object' && body !== null && !Array.isArray(body)) Object.assign(params, body);
    } catch {
      // An unreadable JSON body adds no parameters, as in Nextcloud.
    }
    return params;
  }
  if (type.includes('application/x-www-form-urlencoded') || type.includes('multipart/form-data')) {
    const form = await c.req.parseBody({ all: true });
    for (const [k, v] of Object.entries(form)) {
      const key = k.endsWith('[]') ? k.slice(0, -2) : k;
      params[key] = k.endsWith('[]') && !Array.isArray(v) ? [v] : v;
    }
  }
  return params;
}

/** A parameter as a string, or undefined when absent or not a string. */
export function stringParam(params: Record<string, unknown>, key: string): string | undefined {
  const v = params[key];
  return typeof v === 'string' ? v : undefined;
}
