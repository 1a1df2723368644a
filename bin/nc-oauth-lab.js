#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, without a build step.
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
if (process.argv[2] === 'double' && process.argv[3] === 'occ') {
  // `nc-oauth-lab double occ` stands in for `php occ` and runs once per occ command: it loads only itself.
  const { runCli } = await import('../cli/command.ts');
  const { doubleOccCommand } = await import('../cli/double-occ-command.ts');
  process.exitCode = await runCli({ ...doubleOccCommand, name: 'nc-oauth-lab double occ' }, process.argv.slice(4), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
} else {
  await import('../cli/main.ts');
}
