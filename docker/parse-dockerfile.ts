/** One Dockerfile instruction: the keyword upper-cased, its text with continuations joined, its first line. */
export interface DockerfileInstruction {
  keyword: string;
  args: string;
  line: number;
}

/** A build stage: `FROM <base> [AS <name>]` and the instructions after it. */
export interface DockerfileStage {
  /** The `AS` name, or undefined for an unnamed stage (the last one is usually the image). */
  name: string | undefined;
  /** The base as written, with `${ARG}` references unexpanded. */
  base: string;
  /** `--platform` and other FROM flags, as written. */
  flags: string[];
  instructions: DockerfileInstruction[];
}

/** A parsed Dockerfile: the ARGs before the first FROM (global build args with their defaults) and the stages. */
export interface ParsedDockerfile {
  globalArgs: Map<string, string | undefined>;
  stages: DockerfileStage[];
  instructions: DockerfileInstruction[];
}

/** A Dockerfile the parser cannot read; `code` is stable. */
export class DockerfileSyntaxError extends Error {
  readonly code = 'ERR_DOCKERFILE_SYNTAX';
  constructor(message: string) {
    super(message);
    this.name = 'DockerfileSyntaxError';
  }
}

/**
 * Parses Dockerfile text as the Dockerfile frontend reads it (reference: "Dockerfile reference", parser
 * directives aside): `#` comments on their own line, `\` line continuations (comment lines inside a
 * continuation are dropped), case-insensitive keywords. Enough to check stages, args, labels and COPY/RUN
 * lines in tests; it does not expand variables.
 */
export function parseDockerfile(text: string): ParsedDockerfile {
  const instructions: DockerfileInstruction[] = [];
  const lines = text.split(/\r?\n/);
  let current: { text: string; line: number } | undefined;
  lines.forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && current === undefined)) return;
    if (trimmed === '' && current !== undefined) return;
    const continued = /\\\s*$/.test(raw);
    const piece = continued ? raw.replace(/\\\s*$/, '') : raw;
    if (current === undefined) current = { text: piece.trim(), line: index + 1 };
    else current.text += ` ${piece.trim()}`;
    if (!continued) {
      const match = /^(\S+)\s*(.*)$/s.exec(current.text)!;
      instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!.trim(), line: current.line });
      current = undefined;
    }
  });
  if (current !== undefined) throw new DockerfileSyntaxError(`line ${current.line}: the file ends inside a line continuation`);

  const globalArgs = new Map<string, string | undefined>();
  const stages: DockerfileStage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(/\s+/);
      const flags = words.filter((w) => w.startsWith('--'));
      const rest = words.filter((w) => !w.startsWith('--'));
      if (rest.length !== 1 && !(rest.length === 3 && rest[1]!.toUpperCase() === 'AS')) {
        throw new DockerfileSyntaxError(`line ${instruction.line}: FROM takes an image and optionally AS <name>`);
      }
      stages.push({ name: rest[2], base: rest[0]!, flags, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') throw new DockerfileSyntaxError(`line ${instruction.line}: only ARG may come before the first FROM`);
      const [name, ...value] = instruction.args.split('=');
      globalArgs.set(name!.trim(), value.length > 0 ? value.join('=') : undefined);
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { globalArgs, stages, instructions };
}

/**
 * The `KEY=VALUE` pairs of a LABEL or ENV instruction's arguments, with double-quoted values unquoted
 * (backslash escapes inside quotes kept as the escaped character).
 */
export function parseKeyValues(args: string): Map<string, string> {
  const pairs = new Map<string, string>();
  const pattern = /([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)/g;
  for (const match of args.matchAll(pattern)) {
    const raw = match[2]!;
    pairs.set(match[1]!, raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw);
  }
  return pairs;
}
