import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { issueAccessToken, startDouble, type StartDoubleOptions, type StartedDouble } from '../double/index.ts';
import type { FetchLike } from './oidc-discovery.ts';
import { parseServerConfig, type ServerConfig } from './server-config.ts';
import { startServer, type StartedServer } from './start-server.ts';

/** The double and the MCP server in front of it, for tests and the benchmark. */
export interface ServerStack {
  double: StartedDouble;
  server: StartedServer;
  /** Log lines the server wrote. */
  logs: string[];
  /** Requests the server sent to the double, by path (`/index.php/apps/oidc/userinfo`, ...). */
  requests: Map<string, number>;
  /** An access token of the double's `oidc` app for a user. */
  token(uid: string, options?: { scope?: string; format?: 'opaque' | 'jwt'; resource?: string }): Promise<string>;
  /** An MCP client connected to the server with a bearer token (or none). */
  connect(token?: string): Promise<Client>;
  stop(): Promise<void>;
}

/** Options of `startServerStack`. */
export interface ServerStackOptions {
  double?: StartDoubleOptions;
  /** Flags of the server (as the CLI gives them) beyond `--nextcloud-url`, `--port 0` and `--log-level debug`. */
  flags?: Record<string, string | boolean>;
  /** Environment of the server (`NC_MCP_APP_PASSWORD`, ...), or a function that makes it once the double runs. */
  env?: Record<string, string> | ((double: StartedDouble) => Promise<Record<string, string>>);
  /** Clock of the server's token checks, milliseconds. */
  now?: () => number;
}

/** Starts the double (a test double of Nextcloud) and the MCP server in front of it, both on 127.0.0.1 with free ports. */
export async function startServerStack(options: ServerStackOptions = {}): Promise<ServerStack> {
  const double = await startDouble(options.double ?? {});
  const logs: string[] = [];
  const requests = new Map<string, number>();
  const counting: FetchLike = (input, init) => {
    const path = new URL(String(input)).pathname;
    requests.set(path, (requests.get(path) ?? 0) + 1);
    return fetch(input, init);
  };
  let config: ServerConfig;
  let server: StartedServer;
  try {
    const env = typeof options.env === 'function' ? await options.env(double) : (options.env ?? {});
    config = parseServerConfig({ flags: { 'nextcloud-url': double.url, port: '0', 'log-level': 'debug', ...options.flags }, env });
    server = await startServer({ config, fetch: counting, logWrite: (line) => logs.push(line), ...(options.now ? { now: options.now } : {}) });
  } catch (error) {
    await double.stop();
    throw error;
  }
  const clients: Client[] = [];
  return {
    double,
    server,
    logs,
    requests,
    token: async (uid, o = {}) => (await issueAccessToken(double.state, { uid, ...o })).token,
    connect: async (token) => {
      const client = new Client({ name: 'nc-oauth-lab-test', version: '1.0.0' });
      const transport = new StreamableHTTPClientTransport(new URL(server.url), token ? { requestInit: { headers: { Authorization: `Bearer ${token}` } } } : {});
      await client.connect(transport);
      clients.push(client);
      return client;
    },
    stop: async () => {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      await server.stop();
      await double.stop();
    },
  };
}

/** Calls a tool and returns its result with the text of its first content item. */
export async function callTool(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult & { text: string }> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const first = result.content[0];
  return { ...result, text: first && first.type === 'text' ? first.text : '' };
}

/** The structured output of a successful tool call; throws with the tool's error text otherwise. */
export async function callOk<T = Record<string, unknown>>(client: Client, name: string, args: Record<string, unknown> = {}): Promise<T> {
  const result = await callTool(client, name, args);
  if (result.isError) throw new Error(`${name} failed: ${result.text}`);
  return result.structuredContent as T;
}
