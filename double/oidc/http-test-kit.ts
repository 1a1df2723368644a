import { request } from 'node:http';
import { CookieJar } from './code-flow.ts';

/** An answer read completely. */
export interface RawAnswer {
  status: number;
  headers: Headers;
  body: string;
  /** `Location`, resolved against the request URL. */
  location?: string;
}

/** A browser-less client with a cookie jar, as the tests (and curl) use the double. */
export class HttpSession {
  readonly jar = new CookieJar();
  constructor(readonly baseUrl: string) {}

  /** Sends a request without following redirects; `path` may be absolute. */
  async send(path: string, init: RequestInit = {}): Promise<RawAnswer> {
    const url = path.startsWith('http') ? path : `${this.baseUrl}${path}`;
    const headers = new Headers(init.headers);
    const cookie = this.jar.header();
    if (cookie && !headers.has('cookie')) headers.set('Cookie', cookie);
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.jar.store(response);
    const location = response.headers.get('location');
    return { status: response.status, headers: response.headers, body: await response.text(), ...(location ? { location: new URL(location, url).toString() } : {}) };
  }

  get(path: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
    return this.send(path, { headers: { Accept: 'text/html', ...headers } });
  }

  postForm(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<RawAnswer> {
    return this.send(path, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString() });
  }

  /** The `data-requesttoken` of a page. */
  static requestToken(html: string): string {
    const m = /<head[^>]*data-requesttoken="([^"]*)"/.exec(html);
    if (!m) throw new Error('no data-requesttoken on the page');
    return m[1]!;
  }

  /** Logs in through the login page (requesttoken, Origin) and returns the login POST's answer. */
  async login(user: string, password: string, redirectUrl?: string): Promise<RawAnswer> {
    const page = await this.get(`/index.php/login${redirectUrl ? `?redirect_url=${encodeURIComponent(redirectUrl)}` : ''}`);
    const form: Record<string, string> = { user, password, requesttoken: HttpSession.requestToken(page.body) };
    if (redirectUrl) form['redirect_url'] = redirectUrl;
    return this.postForm('/index.php/login', form, { Origin: new URL(this.baseUrl).origin });
  }
}

/** A GET with a chosen `Host` header (fetch cannot set it), for host-dependent answers. */
export function getWithHost(baseUrl: string, path: string, host: string): Promise<RawAnswer> {
  const url = new URL(path, baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ hostname: url.hostname, port: url.port, path: url.pathname + url.search, headers: { Host: host, Accept: 'application/json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
        resolve({ status: res.statusCode ?? 0, headers, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Decodes the base64 JSON of an initial-state input (`initial-state-<app>-<key>`). */
export function initialState(html: string, app: string, key: string): unknown {
  const m = new RegExp(`id="initial-state-${app}-${key}" value="([^"]*)"`).exec(html);
  return m ? (JSON.parse(Buffer.from(m[1]!, 'base64').toString('utf8')) as unknown) : undefined;
}
