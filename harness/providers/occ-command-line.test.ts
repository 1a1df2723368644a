import { describe, expect, it } from 'vitest';
import { HarnessError } from '../harness-error.ts';
import { splitCommandLine } from './occ-command-line.ts';

describe('splitCommandLine', () => {
  it('splits plain words on any whitespace', () => {
    expect(splitCommandLine('docker exec -u www-data nc  php\tocc')).toEqual(['docker', 'exec', '-u', 'www-data', 'nc', 'php', 'occ']);
  });

  it('keeps quoted words together, as a shell would', () => {
    expect(splitCommandLine(`sudo -u "www data" php '/srv/next cloud/occ'`)).toEqual(['sudo', '-u', 'www data', 'php', '/srv/next cloud/occ']);
    expect(splitCommandLine(`a"b c"d 'e'"f"`)).toEqual(['ab cd', 'ef']);
    expect(splitCommandLine(`php "say \\"hi\\"" 'no \\escape'`)).toEqual(['php', 'say "hi"', 'no \\escape']);
    expect(splitCommandLine('x\\ y ""')).toEqual(['x y', '']);
  });

  it('does not expand variables or globs', () => {
    expect(splitCommandLine('php $HOME/occ *')).toEqual(['php', '$HOME/occ', '*']);
  });

  it('rejects an unterminated quote and an empty line with exit code 2', () => {
    const error = (() => {
      try {
        splitCommandLine('php "occ');
      } catch (e) {
        return e;
      }
    })() as HarnessError;
    expect(error).toBeInstanceOf(HarnessError);
    expect(error.code).toBe('ERR_BAD_OPTION');
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/unterminated double quote/);
    expect(() => splitCommandLine('   ')).toThrow(/--occ is empty/);
  });
});
