import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running token proxy. */
export interface TokenProxy {
  /** `http://127.0.0.1:port`. */
  origin: string;
  port: number;
  /** Where to forward (set once the server behind it listens). */
  setTarget(port: number): void;
  stop(): Promise<void>;
}

/**
 * A loopback reverse proxy that adds `Authorization: Bearer <token>` to requests that carry none, and
 * forwards everything else unchanged, the `Host` and `Origin` headers included (so the server's DNS
 * rebinding checks still see what the client sent). It lets the official conformance client, which has
 * no way to send a token, reach the OAuth-protected server as an authenticated user.
 */
export async function startTokenProxy(token: string): Promise<TokenProxy> {
  let targetPort = 0;
  const server = createServer((req, res) => {
    if (targetPort === 0) {
      res.writeHead(503).end('no target yet');
      return;
    }
    const headers: IncomingHttpHeaders = { ...req.headers };
    headers['authorization'] ??= `Bearer ${token}`;
    const upstream = request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(`proxy error: ${error.message}`);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    setTarget: (p) => {
      targetPort = p;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
