// Regenerates the CLI reference in README.md from the command tree (`npm run docs:cli`).
import { readFileSync, writeFileSync } from 'node:fs';
import { cliReference, withReference } from './cli-reference.ts';
import { rootCommand } from './commands.ts';

const path = new URL('../README.md', import.meta.url);
writeFileSync(path, withReference(readFileSync(path, 'utf8'), cliReference(rootCommand)));
