import type { DoubleContext } from '../request-context.ts';

/**
 * A controller argument the app framework could not pass: a required parameter is missing or has a type PHP
 * cannot coerce (a TypeError in the controller call, which Nextcloud answers with a 500).
 */
export class ParameterError extends Error {
  readonly code = 'ERR_PARAMETER';
  readonly parameter: string;
  constructor(parameter: string, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ParameterError';
    this.parameter = parameter;
  }
}

type Bag = Record<string, unknown>;

/** Adds `name=value` to `bag` the way PHP's `parse_str` does for `name`, `name[]` and `name[key]`. */
function addPhpParam(bag: Bag, name: string, value: string): void {
  const m = /^([^[\]]+)((?:\[[^\]]*\])*)$/.exec(name);
  if (!m || !m[2]) {
    bag[name] = value;
    return;
  }
  const keys = [...m[2].matchAll(/\[([^\]]*)\]/g)].map((k) => k[1]!);
  let node: Bag | unknown[] = bag;
  let key: string = m[1]!;
  for (const next of keys) {
    const container = node as Bag;
    let child = container[key];
    if (typeof child !== 'object' || child === null) child = next === '' ? [] : {};
    container[key] = child;
    node = child as Bag | unknown[];
    if (next === '' && Array.isArray(node)) key = String(node.length);
    else key = next;
  }
  if (Array.isArray(node)) node.push(value);
  else (node as Bag)[key] = value;
}

function parsePhpQuery(text: string): Bag {
  const bag: Bag = {};
  for (const [name, value] of new URLSearchParams(text)) addPhpParam(bag, name, value);
  return bag;
}

const JSON_CONTENT_TYPE = /^application\/(?:[a-z0-9.-]+\+)?json\b/i;
const cache = new WeakMap<Request, Params>();

/**
 * The parameters of a request as Nextcloud's `IRequest::getParams()` merges them: query string, then a form
 * body, then a JSON body, then the route's URL parameters (later sources win).
 */
export async function requestParams(c: DoubleContext, urlParams: Record<string, string> = {}): Promise<Params> {
  const cached = cache.get(c.req.raw);
  if (cached) return cached.withUrlParams(urlParams);
  const url = new URL(c.req.url);
  const values: Bag = parsePhpQuery(url.search.slice(1));
  const contentType = c.req.header('content-type') ?? '';
  let formEncoded = false;
  if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
    const text = await c.req.text();
    if (JSON_CONTENT_TYPE.test(contentType)) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) Object.assign(values, parsed);
      } catch {
        // Nextcloud keeps the parameters it has when the body is not JSON.
      }
    } else if (contentType.toLowerCase().includes('application/x-www-form-urlencoded')) {
      formEncoded = true;
      Object.assign(values, parsePhpQuery(text));
    }
  }
  const params = new Params(values, c.req.method, formEncoded);
  cache.set(c.req.raw, params);
  return params.withUrlParams(urlParams);
}

/**
 * Request parameters with the casts of the app framework's Dispatcher: `int`, `float` and `bool` arguments
 * are `settype`d, `'false'` is false for GET and form posts, and a required argument that is missing or of
 * a type PHP cannot coerce is a ParameterError.
 */
export class Params {
  constructor(
    readonly values: Readonly<Bag>,
    private readonly method: string,
    private readonly formEncoded: boolean,
  ) {}

  /** A copy with the route's URL parameters merged over the others. */
  withUrlParams(urlParams: Record<string, string>): Params {
    return Object.keys(urlParams).length === 0 ? this : new Params({ ...this.values, ...urlParams }, this.method, this.formEncoded);
  }

  /** Whether the request carries the parameter at all (`array_key_exists` on the params). */
  has(name: string): boolean {
    return Object.hasOwn(this.values, name);
  }

  /** The raw value, or undefined. */
  raw(name: string): unknown {
    return this.values[name];
  }

  private missing(name: string, type: string): never {
    throw new ParameterError(name, `Argument ($${name}) must be of type ${type}, null given`);
  }

  /** A `string` argument (`?string` when `fallback` is null). */
  string(name: string): string;
  string(name: string, fallback: string): string;
  string(name: string, fallback: null): string | null;
  string(name: string, fallback?: string | null): string | null {
    const value = this.values[name];
    if (value === undefined || value === null) {
      // getParam() answers the default for a missing or null parameter.
      return fallback === undefined ? this.missing(name, 'string') : fallback;
    }
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return String(value);
    if (typeof value === 'boolean') return value ? '1' : '';
    throw new ParameterError(name, `Argument ($${name}) must be of type string, array given`);
  }

  /** An `int` argument (`?int` when `fallback` is null), cast like PHP's `settype($v, 'int')`. */
  int(name: string): number;
  int(name: string, fallback: number): number;
  int(name: string, fallback: null): number | null;
  int(name: string, fallback?: number | null): number | null {
    const value = this.values[name];
    if (value === undefined || value === null) {
      // getParam() answers the default for a missing or null parameter.
      return fallback === undefined ? this.missing(name, 'int') : fallback;
    }
    return phpInt(value);
  }

  /** A `float` argument (`?float` when `fallback` is null). */
  float(name: string, fallback: number | null = null): number | null {
    const value = this.values[name];
    if (value === undefined || value === null) return fallback;
    return phpFloat(value);
  }

  /** A `bool` argument (`?bool` when `fallback` is null). */
  bool(name: string): boolean;
  bool(name: string, fallback: boolean): boolean;
  bool(name: string, fallback: null): boolean | null;
  bool(name: string, fallback?: boolean | null): boolean | null {
    const value = this.values[name];
    if (value === undefined || value === null) {
      // getParam() answers the default for a missing or null parameter.
      return fallback === undefined ? this.missing(name, 'bool') : fallback;
    }
    if (value === 'false' && (this.method === 'GET' || this.formEncoded)) return false;
    return phpBool(value);
  }

  /** An `array` argument. */
  array(name: string, fallback: unknown[] | Bag = []): unknown[] | Bag {
    const value = this.values[name];
    if (value === undefined) return fallback;
    if (typeof value === 'object' && value !== null) return value as unknown[] | Bag;
    throw new ParameterError(name, `Argument ($${name}) must be of type array, ${value === null ? 'null' : typeof value} given`);
  }
}

/** PHP's `(int)` cast. */
export function phpInt(value: unknown): number {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : 0;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const m = /^\s*([+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)/.exec(value);
    return m ? Math.trunc(Number(m[1])) : 0;
  }
  if (Array.isArray(value)) return value.length > 0 ? 1 : 0;
  return value === null || value === undefined ? 0 : 1;
}

/** PHP's `(float)` cast. */
export function phpFloat(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const m = /^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)/.exec(value);
    return m ? Number(m[1]) : 0;
  }
  return phpInt(value);
}

/** PHP's `(bool)` cast. */
export function phpBool(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') return value !== '' && value !== '0';
  if (Array.isArray(value)) return value.length > 0;
  return value !== null && value !== undefined;
}
