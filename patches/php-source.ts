import { Engine } from 'php-parser';
import { PhpParseError } from './patch-error.ts';

/** A position in PHP source, as php-parser reports it (`line` 1-based, `offset` in UTF-16 code units). */
export interface PhpPosition {
  line: number;
  column: number;
  offset: number;
}

/** A node of the php-parser (glayzzle) AST, typed only as far as the patches read it. */
export interface PhpNode {
  kind: string;
  loc: { start: PhpPosition; end: PhpPosition } | null;
  leadingComments?: PhpNode[] | null;
  [key: string]: unknown;
}

/** A statement found inside a method body, with the statement list that holds it. */
export interface StatementSite {
  node: PhpNode;
  /** The statement list (`block.children`) holding the statement, or null when it is the body of a brace-less `if`/loop. */
  list: PhpNode[] | null;
  /** Index of the statement in `list` (-1 without a list). */
  index: number;
}

/** A text insertion: `text` goes in at `offset` of the original source. */
export interface TextInsertion {
  offset: number;
  text: string;
  /** The text went onto an existing line (code shared the anchor's line) instead of lines of its own. */
  inline: boolean;
}

// Highest PHP grammar php-parser 3.7 knows; user_oidc 8.x and Nextcloud 35 use PHP <= 8.4 syntax (facts page, "Versions that matter").
const engine = new Engine({
  parser: { extractDoc: true, suppressErrors: false, version: '8.4' },
  ast: { withPositions: true, withSource: false },
  lexer: { short_tags: false, asp_tags: false },
});

/**
 * Parses PHP source with php-parser (glayzzle), a real PHP 8.x parser: constructor promotion, readonly,
 * attributes, enums, match, named arguments and nullsafe calls all parse. Throws `PhpParseError` with the
 * file and line when the source is not valid PHP.
 */
export function parsePhp(source: string, file: string): PhpNode {
  try {
    return engine.parseCode(source, file) as unknown as PhpNode;
  } catch (error) {
    const line = (error as { lineNumber?: number }).lineNumber;
    const reason = error instanceof Error ? error.message.replace(/ on line \d+$/, '') : String(error);
    throw new PhpParseError(`${file}${line ? ` line ${line}` : ''}: not valid PHP (${reason})`, { cause: error });
  }
}

/** True when `value` is an AST node. */
export function isPhpNode(value: unknown): value is PhpNode {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string';
}

function nameOf(node: unknown): string | undefined {
  if (typeof node === 'string') return node;
  if (isPhpNode(node) && typeof node['name'] === 'string') return node['name'];
  return undefined;
}

/** The child nodes of `node`, in source order (comments excluded). */
export function childNodes(node: PhpNode): PhpNode[] {
  const out: PhpNode[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'loc' || key === 'leadingComments' || key === 'trailingComments' || key === 'comments') continue;
    if (Array.isArray(value)) for (const v of value) { if (isPhpNode(v)) out.push(v); }
    else if (isPhpNode(value)) out.push(value);
  }
  return out.sort((a, b) => (a.loc?.start.offset ?? 0) - (b.loc?.start.offset ?? 0));
}

/** Finds method `methodName` of the class named `className` (in any namespace). */
export function findMethod(program: PhpNode, className: string, methodName: string): { classNode: PhpNode | undefined; method: PhpNode | undefined } {
  let classNode: PhpNode | undefined;
  const visit = (node: PhpNode): void => {
    if (classNode) return;
    if (node.kind === 'class' && nameOf(node['name'])?.toLowerCase() === className.toLowerCase()) {
      classNode = node;
      return;
    }
    if (node.kind === 'program' || node.kind === 'namespace' || node.kind === 'block') for (const child of childNodes(node)) visit(child);
  };
  visit(program);
  const body = classNode?.['body'];
  const method = Array.isArray(body)
    ? body.find((m): m is PhpNode => isPhpNode(m) && m.kind === 'method' && nameOf(m['name'])?.toLowerCase() === methodName.toLowerCase())
    : undefined;
  return { classNode, method };
}

const NESTED_SCOPES = new Set(['closure', 'arrowfunc', 'function', 'class', 'method']);

/**
 * Every statement of a method body, nested blocks included (if/else, try/catch/finally, loops, switch cases),
 * but not the bodies of closures, arrow functions or anonymous classes: a `return` there leaves another function.
 */
export function methodStatements(method: PhpNode): StatementSite[] {
  const out: StatementSite[] = [];
  const visit = (node: PhpNode, list: PhpNode[] | null, index: number): void => {
    if (node.kind !== 'block') out.push({ node, list, index });
    for (const [key, value] of Object.entries(node)) {
      if (key === 'loc' || key === 'leadingComments' || key === 'trailingComments') continue;
      if (Array.isArray(value)) {
        const isList = node.kind === 'block' && key === 'children';
        value.forEach((child, i) => {
          if (isPhpNode(child) && !NESTED_SCOPES.has(child.kind)) visit(child, isList ? (value as PhpNode[]) : null, isList ? i : -1);
        });
      } else if (isPhpNode(value) && !NESTED_SCOPES.has(value.kind)) {
        visit(value, null, -1);
      }
    }
  };
  const body = method['body'];
  if (isPhpNode(body)) visit(body, null, -1);
  return out.filter((s) => isStatementKind(s.node.kind));
}

const STATEMENT_KINDS = new Set([
  'expressionstatement', 'return', 'if', 'try', 'foreach', 'for', 'while', 'do', 'switch', 'throw', 'echo', 'unset',
  'global', 'static', 'break', 'continue', 'goto', 'label', 'inline', 'declare',
]);

function isStatementKind(kind: string): boolean {
  return STATEMENT_KINDS.has(kind);
}

/** `$this-><property>` */
export function isThisProperty(node: unknown, property: string): boolean {
  return isPhpNode(node)
    && (node.kind === 'propertylookup' || node.kind === 'nullsafepropertylookup')
    && isPhpNode(node['what']) && node['what'].kind === 'variable' && node['what']['name'] === 'this'
    && nameOf(node['offset']) === property;
}

/** A method call `$this-><property>-><method>(...)`; returns its arguments, or undefined when `node` is not one. */
export function thisPropertyCall(node: unknown, property: string, method: string): PhpNode[] | undefined {
  if (!isPhpNode(node) || node.kind !== 'call') return undefined;
  const what = node['what'];
  if (!isPhpNode(what) || (what.kind !== 'propertylookup' && what.kind !== 'nullsafepropertylookup')) return undefined;
  if (nameOf(what['offset'])?.toLowerCase() !== method.toLowerCase() || !isThisProperty(what['what'], property)) return undefined;
  const args = node['arguments'];
  return Array.isArray(args) ? args.filter(isPhpNode) : [];
}

/** The value of a plain string literal node ('...' or "..." without interpolation). */
export function stringValue(node: unknown): string | undefined {
  return isPhpNode(node) && node.kind === 'string' && typeof node['value'] === 'string' ? node['value'] : undefined;
}

/** True when `node` contains (or is) a node for which `test` holds; closures and nested classes included. */
export function containsNode(node: PhpNode, test: (n: PhpNode) => boolean): boolean {
  if (test(node)) return true;
  return childNodes(node).some((c) => containsNode(c, test));
}

/** Source text of a node. */
export function nodeText(source: string, node: PhpNode): string {
  return node.loc ? source.slice(node.loc.start.offset, node.loc.end.offset) : '';
}

/** Offset of the start of the line holding `offset`. */
export function lineStartOf(source: string, offset: number): number {
  return source.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset just past the end of the line holding `offset` (after its line break), or the source length. */
export function nextLineStartOf(source: string, offset: number): number {
  const nl = source.indexOf('\n', offset);
  return nl < 0 ? source.length : nl + 1;
}

/** 1-based line number of `offset`. */
export function lineOf(source: string, offset: number): number {
  let line = 1;
  for (let i = source.indexOf('\n'); i >= 0 && i < offset; i = source.indexOf('\n', i + 1)) line += 1;
  return line;
}

/** The line break used by the line holding `offset` (`\r\n` or `\n`); the file's first line break when that line has none. */
export function lineBreakAt(source: string, offset: number): string {
  const nl = source.indexOf('\n', offset);
  const at = nl >= 0 ? nl : source.indexOf('\n');
  if (at < 0) return '\n';
  return at > 0 && source[at - 1] === '\r' ? '\r\n' : '\n';
}

/** The whitespace that starts the line holding `offset`. */
export function indentAt(source: string, offset: number): string {
  const start = lineStartOf(source, offset);
  return /^[ \t]*/.exec(source.slice(start))![0];
}

/** The text before `offset` on its line is only whitespace. */
export function startsLine(source: string, offset: number): boolean {
  return /^[ \t]*$/.test(source.slice(lineStartOf(source, offset), offset));
}

/**
 * Where a statement "begins" for an insertion before it: the first of the comments directly above it, each
 * on its own line and not separated from it by a blank line (they describe the statement), else the statement.
 */
export function statementHead(source: string, node: PhpNode): number {
  let head = node.loc!.start.offset;
  const comments = (node.leadingComments ?? []).filter((c) => c.loc);
  for (let i = comments.length - 1; i >= 0; i -= 1) {
    const c = comments[i]!;
    const gap = source.slice(c.loc!.end.offset, head);
    if (!/^[ \t]*(\r?\n)?[ \t]*$/.test(gap) || !startsLine(source, c.loc!.start.offset)) break;
    head = c.loc!.start.offset;
  }
  return head;
}

/** One indentation step of the file: a tab when `indent` uses tabs, else the difference to `outer`, else 4 spaces (PSR-12). */
export function indentUnit(indent: string, outer: string): string {
  if (indent.includes('\t')) return '\t';
  if (indent.startsWith(outer) && indent.length > outer.length && /^ +$/.test(indent.slice(outer.length))) return indent.slice(outer.length);
  return '    ';
}

/**
 * Inserts `lines` (without line breaks) before the statement `node`, in its own indentation and line breaks.
 * `inline` is used instead when another statement precedes `node` on its line.
 */
export function insertBefore(source: string, node: PhpNode, lines: readonly string[], inline: string): TextInsertion {
  const head = statementHead(source, node);
  if (!startsLine(source, head)) return { offset: node.loc!.start.offset, text: `${inline} `, inline: true };
  const indent = indentAt(source, head);
  const eol = lineBreakAt(source, head);
  return { offset: lineStartOf(source, head), text: lines.map((l) => (l === '' ? eol : `${indent}${l}${eol}`)).join(''), inline: false };
}

/**
 * Inserts `lines` after the statement `node`, on the next line, in its own indentation and line breaks;
 * `inline` goes right after the statement when code follows it on its line.
 */
export function insertAfter(source: string, node: PhpNode, lines: readonly string[], inline: string): TextInsertion {
  const end = node.loc!.end.offset;
  const nextLine = nextLineStartOf(source, end);
  const rest = source.slice(end, nextLine).replace(/\r?\n$/, '');
  if (!/^[ \t]*((\/\/|#(?!\[)).*|\/\*.*?\*\/[ \t]*)?$/.test(rest)) return { offset: end, text: ` ${inline}`, inline: true };
  const indent = indentAt(source, node.loc!.start.offset);
  const eol = lineBreakAt(source, end);
  const body = lines.map((l) => (l === '' ? eol : `${indent}${l}${eol}`)).join('');
  return nextLine === source.length && !source.endsWith('\n')
    ? { offset: nextLine, text: `${eol}${body.slice(0, -eol.length)}`, inline: false }
    : { offset: nextLine, text: body, inline: false };
}

/**
 * Applies insertions to `source` (offsets in the original); returns the new text and, for each insertion, the
 * 1-based line of the patched text where its first inserted line (or, inline, its text) is.
 */
export function applyInsertions(source: string, insertions: readonly TextInsertion[]): { text: string; lines: number[] } {
  const order = insertions.map((ins, i) => ({ ins, i })).sort((a, b) => a.ins.offset - b.ins.offset || a.i - b.i);
  const offsets = new Array<number>(insertions.length).fill(0);
  let text = '';
  let cursor = 0;
  for (const { ins, i } of order) {
    text += source.slice(cursor, ins.offset);
    offsets[i] = text.length;
    text += ins.text;
    cursor = ins.offset;
  }
  text += source.slice(cursor);
  const lines = insertions.map((ins, i) => lineOf(text, offsets[i]! + (/^\r?\n/.exec(ins.text)?.[0].length ?? 0)));
  return { text, lines };
}
