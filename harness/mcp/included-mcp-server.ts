import { parseServerConfig, startServer, ServerConfigError, type StartedServer } from '../../server/index.ts';
import { HarnessError } from '../harness-error.ts';
import type { StartedNextcloud } from '../nextcloud-instance.ts';

/** How the included MCP server is started for an instance. */
export interface IncludedMcpServerOptions {
  /** Send `OCS-APIRequest: true` to Nextcloud (default true; false reproduces clients that do not). */
  ocsApiRequest?: boolean;
  /** Extra `nc-mcp-server` flags (`--audience`, `--scopes`, ...), as the CLI would parse them. */
  flags?: Record<string, string | boolean>;
}

/** The included MCP server running in process for an instance, with its log lines (already redacted). */
export interface IncludedMcpServer {
  /** The MCP endpoint (the OAuth resource), on 127.0.0.1 with a random port. */
  url: string;
  /** The server's log lines, redacted with the instance's secrets. */
  log: string[];
  server: StartedServer;
  stop(): Promise<void>;
}

/**
 * Starts the included MCP server (server/, in process) in front of an instance: OAuth mode, Streamable HTTP
 * on 127.0.0.1 with a random port, Nextcloud at the instance's base URL and the token issuer at its public
 * URL when they differ. Throws ERR_MCP for a configuration the server refuses.
 */
export async function startIncludedMcpServer(instance: Pick<StartedNextcloud, 'baseUrl' | 'publicUrl' | 'secrets'>, options: IncludedMcpServerOptions = {}): Promise<IncludedMcpServer> {
  const log: string[] = [];
  const flags: Record<string, string | boolean> = { 'nextcloud-url': instance.baseUrl, host: '127.0.0.1', port: '0', ...(options.flags ?? {}) };
  if (instance.publicUrl !== instance.baseUrl) flags['issuer-url'] = instance.publicUrl;
  if (options.ocsApiRequest === false) flags['no-ocs-api-request'] = true;
  let server: StartedServer;
  try {
    server = await startServer({ config: parseServerConfig({ flags, env: {} }), logWrite: (line) => void log.push(instance.secrets.redact(line)) });
  } catch (error) {
    if (error instanceof ServerConfigError) throw new HarnessError('ERR_MCP', `the MCP server refused its configuration: ${error.message}`, { cause: error });
    throw new HarnessError('ERR_MCP', `the MCP server did not start: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return { url: server.url, log, server, stop: () => server.stop() };
}
