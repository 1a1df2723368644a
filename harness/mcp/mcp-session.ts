import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, Implementation, Tool } from '@modelcontextprotocol/sdk/types.js';
import { HarnessError } from '../harness-error.ts';
import { networkReason } from '../nextcloud-http.ts';
import { SecretRedactor } from '../secret-redactor.ts';

/** Options of an MCP connection. */
export interface McpConnectOptions {
  /** The bearer token (an access token of Nextcloud's `oidc` app); sent as `Authorization: Bearer` on every request. */
  token?: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** The client's name in `initialize` (default `nc-oauth-lab-harness`). */
  clientName?: string;
  /** Milliseconds per request (default 30 000). */
  timeoutMs?: number;
  secrets?: SecretRedactor;
}

/** What an MCP server without a token answers (MCP authorization spec; RFC 9728 §5.1, RFC 6750 §3). */
export interface UnauthorizedAnswer {
  status: number;
  /** The `WWW-Authenticate` header, if any. */
  wwwAuthenticate?: string;
  /** The `resource_metadata` URL it names, if any (RFC 9728 §5.1). */
  resourceMetadata?: string;
}

function mcpError(what: string, error: unknown, secrets: SecretRedactor): HarnessError {
  if (error instanceof HarnessError) return error;
  if (error instanceof StreamableHTTPError) {
    return new HarnessError('ERR_MCP', `${what}: HTTP ${error.code ?? '?'} ${secrets.redact(error.message)}`, { cause: error, detail: { status: error.code } });
  }
  const message = error instanceof Error ? error.message : String(error);
  const status = /\b(40[13])\b/.exec(message)?.[1];
  return new HarnessError('ERR_MCP', `${what}: ${secrets.redact(message.split('\n')[0]!)}`, { cause: error, detail: status ? { status: Number(status) } : {} });
}

/**
 * An MCP client session over Streamable HTTP, built on the SDK's `Client` and
 * `StreamableHTTPClientTransport`, carrying the bearer token in `requestInit` headers (the MCP authorization
 * spec, "Access Token Usage": the token goes in the Authorization header of every HTTP request).
 */
export class McpSession {
  private constructor(
    /** The SDK client. */
    readonly client: Client,
    private readonly transport: StreamableHTTPClientTransport,
    private readonly secrets: SecretRedactor,
    private readonly timeoutMs: number,
  ) {}

  /** Connects and initializes. Throws ERR_MCP (with `detail.status` 401/403 when the server refuses the token). */
  static async connect(url: string | URL, options: McpConnectOptions = {}): Promise<McpSession> {
    const secrets = options.secrets ?? new SecretRedactor();
    secrets.add(options.token);
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.token) headers['Authorization'] = `Bearer ${options.token}`;
    const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
    const client = new Client({ name: options.clientName ?? 'nc-oauth-lab-harness', version: '0.1.0' });
    const timeoutMs = options.timeoutMs ?? 30_000;
    try {
      await client.connect(transport, { timeout: timeoutMs });
    } catch (error) {
      await transport.close().catch(() => undefined);
      if (error instanceof TypeError) throw new HarnessError('ERR_MCP', `cannot reach the MCP server at ${String(url)}: ${networkReason(error)}`, { cause: error });
      throw mcpError(`MCP initialize at ${String(url)} failed`, error, secrets);
    }
    return new McpSession(client, transport, secrets, timeoutMs);
  }

  /** The server's name and version from `initialize`. */
  get serverInfo(): Implementation | undefined {
    return this.client.getServerVersion();
  }

  /** All tools (follows `nextCursor`). */
  async listTools(): Promise<Tool[]> {
    const tools: Tool[] = [];
    let cursor: string | undefined;
    try {
      do {
        const page = await this.client.listTools(cursor ? { cursor } : {}, { timeout: this.timeoutMs });
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor);
    } catch (error) {
      throw mcpError('MCP tools/list failed', error, this.secrets);
    }
    return tools;
  }

  /** Calls a tool. A tool error comes back as a result with `isError: true`, not as an exception. */
  async callTool(name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
    try {
      return (await this.client.callTool({ name, arguments: args }, undefined, { timeout: this.timeoutMs })) as CallToolResult;
    } catch (error) {
      throw mcpError(`MCP tools/call ${name} failed`, error, this.secrets);
    }
  }

  /** Closes the session (DELETE of the session when the server keeps one). */
  async close(): Promise<void> {
    await this.transport.terminateSession().catch(() => undefined);
    await this.client.close().catch(() => undefined);
  }
}

/**
 * Sends an MCP `initialize` without a token, as a client that does not know yet that it needs one, and
 * returns the status and the `WWW-Authenticate` challenge (the MCP authorization spec: 401 with
 * `resource_metadata`, RFC 9728 §5.1).
 */
export async function mcpWithoutToken(url: string | URL): Promise<UnauthorizedAnswer> {
  const body = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'nc-oauth-lab-harness', version: '0.1.0' } } };
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    throw new HarnessError('ERR_MCP', `cannot reach the MCP server at ${String(url)}: ${networkReason(error)}`, { cause: error });
  }
  await response.body?.cancel();
  const header = response.headers.get('www-authenticate') ?? undefined;
  const metadata = header ? /resource_metadata="([^"]+)"/.exec(header)?.[1] : undefined;
  return { status: response.status, ...(header ? { wwwAuthenticate: header } : {}), ...(metadata ? { resourceMetadata: metadata } : {}) };
}
