#!/usr/bin/env node
// The MCP server as its own command: the same options as `nc-oauth-lab serve`, run through tsx without a build step.
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../cli/command.ts');
const { serveCommand } = await import('../cli/serve-command.ts');
process.exitCode = await runCli({ ...serveCommand, name: 'nc-mcp-server' }, process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
