import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cliReference, withReference } from './cli-reference.ts';
import { rootCommand } from './commands.ts';

describe('README CLI reference', () => {
  it('matches --help of every command (run `npm run docs:cli` after changing a command)', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(withReference(readme, cliReference(rootCommand))).toBe(readme);
  });
});
