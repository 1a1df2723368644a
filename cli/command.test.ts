import { describe, expect, it } from 'vitest';
import { CliError, runCli, type CommandSpec } from './command.ts';

function harness(root: CommandSpec, argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  return runCli(root, argv, { out: (l) => out.push(l), err: (l) => err.push(l) }).then((code) => ({ code, out, err }));
}

const seen: unknown[] = [];
const root: CommandSpec = {
  name: 'tool',
  summary: 'A tool.',
  subcommands: [
    {
      name: 'run',
      summary: 'Runs.',
      options: { mode: { type: 'string', choices: ['a', 'b'], description: 'Mode.' }, flag: { type: 'boolean', description: 'A flag.' } },
      run: async (ctx) => {
        seen.push(ctx.values);
        if (ctx.values['flag']) throw new CliError('bad input: do this instead');
        return 0;
      },
    },
  ],
};

describe('runCli', () => {
  it('runs a subcommand with its options', async () => {
    const r = await harness(root, ['run', '--mode', 'b']);
    expect(r.code).toBe(0);
    expect(seen.at(-1)).toMatchObject({ mode: 'b' });
  });

  it('rejects an unknown flag with one line and exit code 2', async () => {
    const r = await harness(root, ['run', '--nope']);
    expect(r.code).toBe(2);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/^tool run: Unknown option '--nope'/);
  });

  it('rejects a value outside the choices', async () => {
    const r = await harness(root, ['run', '--mode', 'c']);
    expect(r.code).toBe(2);
    expect(r.err[0]).toBe("tool run: --mode must be one of a, b, not 'c'");
  });

  it('rejects an unknown command', async () => {
    const r = await harness(root, ['walk']);
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/unknown command 'walk'/);
  });

  it('turns a CliError into one line and its exit code', async () => {
    const r = await harness(root, ['run', '--flag']);
    expect(r.code).toBe(2);
    expect(r.err).toEqual(['tool: bad input: do this instead']);
  });

  it('prints help for --help with exit 0, and for a bare group with exit 2', async () => {
    const help = await harness(root, ['run', '--help']);
    expect(help.code).toBe(0);
    expect(help.out.join('\n')).toContain('--mode a|b');
    const bare = await harness(root, []);
    expect(bare.code).toBe(2);
    expect(bare.err.join('\n')).toContain('Commands:');
  });
});

describe('passThrough commands', () => {
  it('take their own options first and pass every later word on as it is, options included', async () => {
    let seen: { values: unknown; positionals: string[] } | undefined;
    const spec = {
      name: 'tool',
      summary: 'x',
      args: '<words...>',
      passThrough: true,
      options: { url: { type: 'string' as const, description: 'u' } },
      run: async (ctx: { values: unknown; positionals: string[] }) => void (seen = { values: ctx.values, positionals: ctx.positionals }),
    };
    const io = { out: () => undefined, err: () => undefined };
    expect(await runCli(spec, ['--url', 'http://x', 'config:app:set', 'oidc', 'k', '--value=true', '--help'], io)).toBe(0);
    expect(seen).toEqual({ values: { url: 'http://x' }, positionals: ['config:app:set', 'oidc', 'k', '--value=true', '--help'] });
    expect(await runCli(spec, ['--url=http://y', '--', '--output=json'], io)).toBe(0);
    expect(seen).toEqual({ values: { url: 'http://y' }, positionals: ['--output=json'] });
  });
});
