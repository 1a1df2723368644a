import { runCli } from './command.ts';
import { rootCommand } from './commands.ts';

const code = await runCli(rootCommand, process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
process.exitCode = code;
