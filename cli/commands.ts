import type { CommandSpec } from './command.ts';
import { doubleCommand } from './double-command.ts';
import { loginCommand } from './login-command.ts';
import { matrixCommand } from './matrix-command.ts';
import { patchCommand } from './patch-command.ts';
import { probeCommand } from './probe-command.ts';
import { serveCommand } from './serve-command.ts';
import { statusCommand } from './status-command.ts';

/** The `nc-oauth-lab` command tree. */
export const rootCommand: CommandSpec = {
  name: 'nc-oauth-lab',
  summary: 'Does OAuth + MCP work on this Nextcloud, with these app versions, with or without this patch?',
  subcommands: [doubleCommand, patchCommand, matrixCommand, statusCommand, loginCommand, probeCommand, serveCommand],
};
