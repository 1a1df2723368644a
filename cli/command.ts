import { parseArgs } from 'node:util';

/** One option of a command, as `node:util` parseArgs takes it plus what `--help` shows. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: string | boolean;
  /** Name of the value in `--help` (`--port N`). */
  valueName?: string;
  /** Allowed values; anything else is a usage error. */
  choices?: readonly string[];
  description: string;
}

/** What a command's `run` receives. */
export interface CommandContext {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  /** Where normal output goes (stdout). */
  out: (line: string) => void;
  /** Where progress and diagnostics go (stderr). */
  err: (line: string) => void;
}

/** A CLI command: a leaf with `run`, or a group with `subcommands`. */
export interface CommandSpec {
  name: string;
  summary: string;
  /** Positional arguments in `--help`, e.g. `<base.json> <head.json>`. */
  args?: string;
  options?: Record<string, OptionSpec>;
  subcommands?: readonly CommandSpec[];
  /** Longer text after the options in `--help`. */
  details?: string;
  /**
   * The words after the command's own options are positionals passed on as they are, options included
   * (`nc-oauth-lab double occ --url URL config:app:set oidc key --value=x`); `--` also ends the own options.
   */
  passThrough?: boolean;
  /** Returns the exit code (0 when omitted). Long-running commands resolve when they are stopped. */
  run?: (ctx: CommandContext) => Promise<number | void>;
}

/**
 * A user error: a wrong flag, an unknown version, an unreachable Nextcloud. The CLI prints its message as
 * one line and exits with `exitCode` (2 unless said otherwise).
 */
export class CliError extends Error {
  readonly code: string;
  readonly exitCode: number;
  constructor(message: string, options: { code?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.code = options.code ?? 'ERR_USAGE';
    this.exitCode = options.exitCode ?? 2;
  }
}

function optionLabel(name: string, spec: OptionSpec): string {
  const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}`;
  if (spec.type === 'boolean') return flag;
  return `${flag} ${spec.valueName ?? (spec.choices ? spec.choices.join('|') : 'VALUE')}`;
}

/** The `--help` text of a command; `path` is the words before it (`nc-oauth-lab patch`). */
export function helpText(spec: CommandSpec, path: string): string {
  const lines: string[] = [];
  const head = `${path}${spec.subcommands ? (spec.run ? ' [<command>]' : ' <command>') : ''}${spec.args ? ` ${spec.args}` : ''}`;
  lines.push(`Usage: ${head}${spec.options && Object.keys(spec.options).length > 0 ? ' [options]' : ''}`, '', spec.summary);
  if (spec.subcommands) {
    lines.push('', 'Commands:');
    const width = Math.max(...spec.subcommands.map((c) => c.name.length));
    for (const c of spec.subcommands) lines.push(`  ${c.name.padEnd(width)}  ${c.summary}`);
  }
  const options: [string, OptionSpec][] = [...Object.entries(spec.options ?? {}), ['help', { type: 'boolean', short: 'h', description: 'Show this help.' }]];
  const labels = options.map(([n, s]) => optionLabel(n, s));
  const width = Math.max(...labels.map((l) => l.length));
  lines.push('', 'Options:');
  options.forEach(([, s], i) => {
    const def = s.default !== undefined && s.default !== false ? ` (default: ${String(s.default)})` : '';
    lines.push(`  ${labels[i]!.padEnd(width)}  ${s.description}${def}`);
  });
  if (spec.details) lines.push('', spec.details);
  if (spec.subcommands) lines.push('', `Run '${path} <command> --help' for a command's options.`);
  return lines.join('\n');
}

/**
 * Runs `argv` (without node and script) against the command tree. Returns the exit code; user errors are
 * printed as one line on `err` with exit code 2 (or the error's own).
 */
export async function runCli(root: CommandSpec, argv: readonly string[], io: Pick<CommandContext, 'out' | 'err'>): Promise<number> {
  let spec = root;
  let path = root.name;
  let rest = [...argv];
  try {
    while (spec.subcommands) {
      const word = rest[0];
      // A group with its own `run` (e.g. `matrix`) runs it when no subcommand is named.
      if (spec.run && word !== '--help' && word !== '-h' && (word === undefined || word.startsWith('-'))) break;
      if (word === undefined || word === '--help' || word === '-h') {
        io[word === undefined ? 'err' : 'out'](helpText(spec, path));
        return word === undefined ? 2 : 0;
      }
      const next = spec.subcommands.find((c) => c.name === word);
      if (!next) throw new CliError(`unknown command '${word}' for ${path}: run '${path} --help' for the list`);
      spec = next;
      path = `${path} ${word}`;
      rest = rest.slice(1);
    }
    const options = spec.options ?? {};
    let passed: string[] | undefined;
    if (spec.passThrough) {
      const own = ownOptionWords(rest, options);
      passed = rest.slice(own.length).filter((w, i) => !(i === 0 && w === '--'));
      rest = own;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(helpText(spec, path));
      return 0;
    }
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: rest,
        strict: true,
        allowPositionals: spec.args !== undefined && !spec.passThrough,
        options: Object.fromEntries(
          Object.entries(options).map(([name, o]) => [
            name,
            { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}), ...(o.default !== undefined ? { default: o.default } : {}) },
          ]),
        ),
      });
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0]!.replace(/\. To specify.*$/, '') : String(error);
      throw new CliError(`${path}: ${message}; run '${path} --help' for the options`, { cause: error });
    }
    for (const [name, o] of Object.entries(options)) {
      const value = parsed.values[name];
      if (o.choices && typeof value === 'string' && !o.choices.includes(value)) {
        throw new CliError(`${path}: --${name} must be one of ${o.choices.join(', ')}, not '${value}'`);
      }
    }
    if (!spec.run) throw new CliError(`${path} cannot run on its own: run '${path} --help'`);
    const code = await spec.run({ values: parsed.values as CommandContext['values'], positionals: passed ?? parsed.positionals, ...io });
    return code ?? 0;
  } catch (error) {
    if (error instanceof CliError) {
      io.err(error.message.startsWith(`${root.name}`) ? error.message : `${root.name}: ${error.message}`);
      return error.exitCode;
    }
    throw error;
  }
}

/** The leading words of `args` that are the command's own options (and their values), for `passThrough`. */
function ownOptionWords(args: readonly string[], options: Record<string, OptionSpec>): string[] {
  const own: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (word === '--help' || word === '-h') {
      own.push(word);
      continue;
    }
    const m = /^--([^=]+)(=.*)?$/.exec(word);
    const spec = m ? options[m[1]!] : undefined;
    if (!m || !spec) break;
    own.push(word);
    if (spec.type === 'string' && m[2] === undefined && i + 1 < args.length) own.push(args[++i]!);
  }
  return own;
}

/** Reads a string option that `run` requires. */
export function requireString(ctx: CommandContext, name: string): string {
  const value = ctx.values[name];
  if (typeof value !== 'string' || value === '') throw new CliError(`--${name} is required`);
  return value;
}

/** Parses an integer option within bounds. */
export function intOption(ctx: CommandContext, name: string, min: number, max: number): number | undefined {
  const value = ctx.values[name];
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || n < min || n > max) {
    throw new CliError(`--${name} must be a whole number from ${min} to ${max}, not '${String(value)}'`);
  }
  return n;
}
