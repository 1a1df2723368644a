import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HarnessError } from '../harness-error.ts';

/** What arrived at the redirect URI for one authorization request (RFC 6749 §4.1.2 and §4.1.2.1). */
export interface CallbackResult {
  /** The full callback URL, as `authorizationCodeGrant` wants it. Holds the code: never log it unredacted. */
  url: URL;
  state: string;
  code?: string;
  /** The OAuth error (`access_denied`, `invalid_request`, ...) when the authorization server sent one. */
  error?: string;
  errorDescription?: string;
}

interface Waiter {
  resolve(result: CallbackResult): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

const PAGE = (title: string, text: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1 id="nc-oauth-lab-callback">${title}</h1><p>${text}</p></body></html>`;

/**
 * The redirect URI of the harness's OAuth clients: an HTTP server on 127.0.0.1 (a random port) that hands
 * each callback to the authorization request whose `state` it carries (RFC 6749 §10.12). A callback with
 * an unknown or missing state is answered 400 and delivered to nobody. One server serves many concurrent
 * logins.
 */
export class CallbackServer {
  /** The redirect URI to register, e.g. `http://127.0.0.1:41234/callback`. */
  readonly redirectUri: string;
  /** Callbacks that matched no state (a sign of a mixed-up or replayed flow). */
  unmatched = 0;
  private readonly waiters = new Map<string, Waiter>();
  private readonly early = new Map<string, CallbackResult>();
  private readonly expected = new Set<string>();

  private constructor(
    private readonly server: Server,
    redirectUri: string,
  ) {
    this.redirectUri = redirectUri;
  }

  /** Starts a callback server on `host` (default 127.0.0.1) and a free port; `path` defaults to `/callback`. */
  static async start(options: { host?: string; path?: string } = {}): Promise<CallbackServer> {
    const host = options.host ?? '127.0.0.1';
    const path = options.path ?? '/callback';
    const ref: { instance?: CallbackServer } = {};
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? host}`);
      const instance = ref.instance;
      if (url.pathname !== path || !instance) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not the callback path');
        return;
      }
      const result = instance.deliver(url);
      res.writeHead(result === 'matched' ? 200 : 400, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
      res.end(result === 'matched' ? PAGE('nc-oauth-lab: authorization response received', 'You can close this window.') : PAGE('nc-oauth-lab: unexpected callback', 'This callback carries no state the harness is waiting for.'));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    ref.instance = new CallbackServer(server, `http://${host.includes(':') ? `[${host}]` : host}:${port}${path}`);
    return ref.instance;
  }

  /**
   * Declares that an authorization request with `state` is under way. Call it before the browser is sent
   * off, then `wait(state)`.
   */
  expect(state: string): void {
    this.expected.add(state);
  }

  /** Resolves with the callback that carries `state`, or rejects with ERR_CALLBACK after `timeoutMs`. */
  wait(state: string, timeoutMs = 60_000): Promise<CallbackResult> {
    this.expected.add(state);
    const arrived = this.early.get(state);
    if (arrived) {
      this.early.delete(state);
      this.expected.delete(state);
      return Promise.resolve(arrived);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(state);
        this.expected.delete(state);
        reject(new HarnessError('ERR_CALLBACK', `no authorization response reached ${this.redirectUri} within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.waiters.set(state, { resolve, reject, timer });
    });
  }

  /** Forgets a state (the flow was abandoned). */
  cancel(state: string): void {
    const waiter = this.waiters.get(state);
    if (waiter) {
      clearTimeout(waiter.timer);
      this.waiters.delete(state);
      waiter.reject(new HarnessError('ERR_CALLBACK', 'the authorization request was abandoned'));
    }
    this.expected.delete(state);
    this.early.delete(state);
  }

  private deliver(url: URL): 'matched' | 'unmatched' {
    const state = url.searchParams.get('state') ?? '';
    if (!this.expected.has(state)) {
      this.unmatched++;
      return 'unmatched';
    }
    const result: CallbackResult = { url, state };
    const code = url.searchParams.get('code');
    const error = url.searchParams.get('error');
    const description = url.searchParams.get('error_description');
    if (code !== null) result.code = code;
    if (error !== null) result.error = error;
    if (description !== null) result.errorDescription = description;
    const waiter = this.waiters.get(state);
    if (waiter) {
      clearTimeout(waiter.timer);
      this.waiters.delete(state);
      this.expected.delete(state);
      waiter.resolve(result);
    } else this.early.set(state, result);
    return 'matched';
  }

  /** Stops the server; pending waits reject. */
  async close(): Promise<void> {
    for (const state of [...this.waiters.keys()]) this.cancel(state);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
