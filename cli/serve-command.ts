import { APP_PASSWORD_ENV, parseServerConfig, runStdioServer, SERVER_OPTIONS, ServerConfigError, ServerStartError, startServer } from '../server/index.ts';
import { CliError, type CommandSpec, type OptionSpec } from './command.ts';

/** Flags of `serve`, built from the server's option table (flags win over the `NC_MCP_*` variables named in each). */
function serveOptions(): Record<string, OptionSpec> {
  return Object.fromEntries(
    SERVER_OPTIONS.map((o) => [
      o.flag,
      {
        type: o.type,
        ...(o.valueName ? { valueName: o.valueName } : {}),
        ...(o.choices ? { choices: o.choices } : {}),
        description: o.env && o.type === 'string' ? `${o.description} [${o.env}]` : o.description,
      } satisfies OptionSpec,
    ]),
  );
}

/** `nc-oauth-lab serve` (and the `nc-mcp-server` bin): runs the MCP server until interrupted. */
export const serveCommand: CommandSpec = {
  name: 'serve',
  summary: 'Run the MCP server: an OAuth resource server for Nextcloud with notes, files, calendar, contacts, Deck and Tables tools.',
  options: serveOptions(),
  details: [
    `Every flag can come from the NC_MCP_* variable named beside it; flags win. Basic mode takes the app password only from ${APP_PASSWORD_ENV}.`,
    'Logs go to stderr as JSON lines with tokens and passwords redacted. See README, "The MCP server".',
  ].join('\n'),
  async run(ctx) {
    let config;
    try {
      config = parseServerConfig({ flags: ctx.values, env: process.env });
    } catch (error) {
      if (error instanceof ServerConfigError) throw new CliError(error.message, { code: error.code, cause: error });
      throw error;
    }
    try {
      if (config.transport === 'stdio') {
        const running = await runStdioServer({ config });
        await Promise.race([running.closed, signalled()]);
        await running.stop();
        return 0;
      }
      const server = await startServer({ config });
      ctx.err(`nc-oauth-lab MCP server at ${server.url} (${config.auth} mode, Nextcloud ${config.nextcloudUrl}). Press Ctrl-C to stop.`);
      await signalled();
      await server.stop();
      return 0;
    } catch (error) {
      if (error instanceof ServerStartError) throw new CliError(error.message, { code: error.code, cause: error });
      throw error;
    }
  },
};

/** Resolves on SIGINT or SIGTERM. */
function signalled(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
