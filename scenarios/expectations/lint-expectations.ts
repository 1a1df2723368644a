import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { compareSemver, inRange, NEXTCLOUD_MAJORS, OIDC_RELEASES, parseSemver, USER_OIDC_RELEASES, type ReleaseLine } from '../../double/version-gates.ts';
import { CHECK_IDS } from '../checks.ts';
import { toolInfo } from '../tool-info.ts';
import { PATCH_MODES } from '../variant.ts';
import { ExpectationsError, formatLintProblem, type LintProblem } from './expectations-error.ts';
import type { ExpectationSet } from './expected-outcome.ts';
import {
  COMPONENTS,
  expectationsFileSchema,
  type Component,
  type ExpectationCondition,
  type ExpectationEntry,
  type SupportStatement,
} from './expectations-schema.ts';

/** Where the project's expectations data lives. */
export const DEFAULT_EXPECTATIONS_DIR = fileURLToPath(new URL('.', import.meta.url));

/** One expectations file as read from disk: its parsed JSON, or why it could not be parsed. */
export interface RawExpectationsFile {
  /** File name shown in problems (e.g. `bearer.json`). */
  file: string;
  data?: unknown;
  parseError?: string;
}

/** What the lint checks names and versions against; defaults are the catalogue, the patch ids and the tool version. */
export interface LintOptions {
  checkIds?: readonly string[];
  /** Patch modes a statement may name (`none` and the patch ids). */
  patchModes?: readonly string[];
  /** Newest version of the included MCP server (the tool's version). */
  mcpServerVersion?: string;
}

/** The outcome of a lint: every problem, and the data as far as it could be read. */
export interface LintResult {
  problems: LintProblem[];
  set: ExpectationSet;
}

/** Reads every `*.json` file of a directory, sorted by name. */
export function readExpectationFiles(dir: string = DEFAULT_EXPECTATIONS_DIR): RawExpectationsFile[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  } catch (error) {
    throw new ExpectationsError(`cannot read the expectations directory ${dir}: ${(error as Error).message}`, [], { cause: error });
  }
  return names.map((name) => {
    const text = readFileSync(join(dir, name), 'utf8');
    try {
      return { file: name, data: JSON.parse(text) as unknown };
    } catch (error) {
      return { file: name, parseError: (error as Error).message };
    }
  });
}

/** A JSON path as lint problems show it: `checks["bearer.notes.get"].support[1]`. */
export function jsonPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (typeof s === 'string' && /^[A-Za-z_$][\w$]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(String(s))}]`;
  }
  return out;
}

/** The issues of a zod error as lint problems of `file`. */
/**
 * The data of one read file parsed by `schema`, or undefined with its problems added to `problems`: a file
 * that is not JSON, or one the schema refuses.
 */
export function parseRawFile<T>(raw: RawExpectationsFile, schema: z.ZodType<T>, problems: LintProblem[]): T | undefined {
  if (raw.parseError !== undefined) {
    problems.push({ file: raw.file, path: '', message: `not valid JSON: ${raw.parseError}` });
    return undefined;
  }
  const parsed = schema.safeParse(raw.data);
  if (!parsed.success) {
    problems.push(...zodProblems(raw.file, parsed.error));
    return undefined;
  }
  return parsed.data;
}

export function zodProblems(file: string, error: z.ZodError): LintProblem[] {
  return error.issues.map((issue) => ({ file, path: jsonPath(issue.path), message: issue.message }));
}

const APP_VERSION = /^\d+\.\d+\.\d+$/;

/** Why a version of a component is not acceptable, or undefined when it is. */
function versionProblem(component: Component, version: string, mcpServerVersion: string): string | undefined {
  if (component === 'nextcloud') {
    if (!/^\d+$/.test(version)) return `Nextcloud versions are majors such as "32", not '${version}'`;
    if (!(NEXTCLOUD_MAJORS as readonly number[]).includes(Number(version))) return `Nextcloud ${version} is not a known major (${NEXTCLOUD_MAJORS.join(', ')})`;
    return undefined;
  }
  if (!APP_VERSION.test(version)) return `${component} version '${version}' is not of the form 1.10.0`;
  const v = parseSemver(version)!;
  if (component === 'mcp_server') {
    const newest = parseSemver(mcpServerVersion)!;
    return compareSemver(v, newest) > 0 ? `mcp_server ${version} is newer than this tool (${mcpServerVersion})` : undefined;
  }
  const lines: readonly ReleaseLine[] = component === 'oidc' ? OIDC_RELEASES : USER_OIDC_RELEASES;
  if (!lines.some((l) => inRange(v, l.versions))) {
    const known = lines.map((l) => `${l.versions.from}-${l.versions.to}`).join(', ');
    return `${component} ${version} is outside the known releases (${known}; see double/version-gates.ts)`;
  }
  return undefined;
}

const GITHUB_PATH = /^\/[^/]+\/[^/]+\/(pull|issues|releases|commit|blob|tree|compare|security)\b/;

/** Checks one range (a statement's own or a `requires` range) and adds problems. */
function lintRange(
  push: (path: string, message: string) => void,
  path: string,
  component: Component,
  added: string | boolean,
  removed: string | undefined,
  mcpServerVersion: string,
): void {
  if (typeof added === 'string') {
    const p = versionProblem(component, added, mcpServerVersion);
    if (p) push(`${path}.version_added`, p);
  }
  if (removed !== undefined) {
    const p = versionProblem(component, removed, mcpServerVersion);
    if (p) push(`${path}.version_removed`, p);
    if (added === false) push(`${path}.version_removed`, 'version_removed makes no sense with version_added: false');
    if (typeof added === 'string' && !p && !versionProblem(component, added, mcpServerVersion)) {
      if (compareSemver(parseSemver(removed)!, parseSemver(added)!) <= 0) push(`${path}.version_removed`, `version_removed ${removed} must come after version_added ${added}`);
    }
  }
}

function lintStatement(push: (path: string, message: string) => void, path: string, s: SupportStatement, patchModes: readonly string[], mcpServerVersion: string): void {
  lintRange(push, path, s.component, s.version_added, s.version_removed, mcpServerVersion);
  for (const [i, patch] of (s.patches ?? []).entries()) {
    if (!patchModes.includes(patch)) push(`${path}.patches[${i}]`, `unknown patch '${patch}': use one of ${patchModes.join(', ')}`);
  }
  for (const component of COMPONENTS) {
    const range = s.requires?.[component];
    if (range) lintRange(push, `${path}.requires.${component}`, component, range.version_added, range.version_removed, mcpServerVersion);
  }
  const explains = s.version_added === false || s.version_removed !== undefined || s.patches !== undefined;
  if (explains && !s.impl_url) push(`${path}.impl_url`, 'a statement about a failure, a removal or a patch needs impl_url: the upstream PR or issue that explains it');
  if (s.impl_url) {
    const url = new URL(s.impl_url);
    if (url.hostname === 'github.com' && !GITHUB_PATH.test(url.pathname)) {
      push(`${path}.impl_url`, `'${s.impl_url}' is not a GitHub PR, issue, release or commit URL`);
    }
  }
}

/**
 * Lints the expectations data: the schema (zod), then what the schema cannot know: unknown checks,
 * unknown or unused conditions, unknown patches, versions that do not parse or lie outside the known
 * releases of double/version-gates.ts, version_removed not after version_added, statements about a failure,
 * a removal or a patch without the upstream link, a check defined twice. Returns every problem found and the
 * data of the files that passed the schema.
 */
export function lintExpectations(files: readonly RawExpectationsFile[], options: LintOptions = {}): LintResult {
  const checkIds = new Set(options.checkIds ?? CHECK_IDS);
  const patchModes = options.patchModes ?? PATCH_MODES;
  const mcpServerVersion = options.mcpServerVersion ?? toolInfo().version;
  const problems: LintProblem[] = [];
  const checks = new Map<string, ExpectationEntry>();
  const conditions = new Map<string, ExpectationCondition>();
  const checkFile = new Map<string, string>();
  const conditionFile = new Map<string, string>();
  const includes: { file: string; path: string; name: string }[] = [];

  for (const raw of files) {
    const push = (path: string, message: string): void => void problems.push({ file: raw.file, path, message });
    const data = parseRawFile(raw, expectationsFileSchema, problems);
    if (!data) continue;
    for (const [name, condition] of Object.entries(data.conditions ?? {})) {
      const path = jsonPath(['conditions', name]);
      if (conditionFile.has(name)) push(path, `condition '${name}' is already defined in ${conditionFile.get(name)}`);
      conditionFile.set(name, raw.file);
      conditions.set(name, condition);
      condition.support.forEach((s, i) => lintStatement(push, `${path}.support[${i}]`, s, patchModes, mcpServerVersion));
    }
    for (const [id, entry] of Object.entries(data.checks ?? {})) {
      const path = jsonPath(['checks', id]);
      if (!checkIds.has(id)) {
        push(path, `unknown check '${id}': it is not in scenarios/checks.ts`);
        continue;
      }
      if (checkFile.has(id)) push(path, `check '${id}' is already defined in ${checkFile.get(id)}`);
      checkFile.set(id, raw.file);
      checks.set(id, entry);
      if (entry.support.length === 0 && (entry.include ?? []).length === 0) push(path, 'no support statements and no include: say where the check passes');
      entry.support.forEach((s, i) => lintStatement(push, `${path}.support[${i}]`, s, patchModes, mcpServerVersion));
      (entry.include ?? []).forEach((name, i) => includes.push({ file: raw.file, path: `${path}.include[${i}]`, name }));
    }
  }
  const used = new Set<string>();
  for (const inc of includes) {
    used.add(inc.name);
    if (!conditions.has(inc.name)) problems.push({ file: inc.file, path: inc.path, message: `unknown condition '${inc.name}': define it under "conditions"` });
  }
  for (const [name, file] of conditionFile) {
    if (!used.has(name)) problems.push({ file, path: jsonPath(['conditions', name]), message: `condition '${name}' is not included by any check` });
  }
  return { problems, set: { checks, conditions } };
}

/**
 * Reads and lints the expectations of a directory (default: scenarios/expectations); throws an
 * ExpectationsError listing every problem when the data is not clean.
 */
export function loadExpectations(dir: string = DEFAULT_EXPECTATIONS_DIR, options: LintOptions = {}): ExpectationSet {
  const files = readExpectationFiles(dir);
  if (files.length === 0) throw new ExpectationsError(`no expectations (*.json) in ${dir}`);
  const { problems, set } = lintExpectations(files, options);
  if (problems.length > 0) {
    throw new ExpectationsError(`${problems.length} problem(s) in the expectations in ${dir}: ${formatLintProblem(problems[0]!)}`, problems);
  }
  return set;
}
