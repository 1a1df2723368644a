import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runNode, type NodeRun } from './cli-test-kit.ts';
import { PROBE_CHECKS, expectedProbe, probeMatches, type ProbeCheck } from '../harness/bearer-probe.ts';
import { splitCommandLine } from '../harness/providers/occ-command-line.ts';
import { syntheticMatrix } from '../scenarios/matrix/synthetic-matrix.ts';

/*
 * Every code example of the README runs as written, against the double: the TypeScript blocks as modules
 * (the only change: './harness/index.ts' becomes this checkout's file), and the shell commands that can run
 * here as `nc-oauth-lab` processes. Each other shell command must be listed below with the reason it is not
 * run here, so that a new example is either run or said not to be.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const CLI = join(ROOT, 'bin', 'nc-oauth-lab.js');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;

/** The fenced blocks of a language, in order. */
function blocks(markdown: string, lang: string): string[] {
  return [...markdown.matchAll(new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```', 'gm'))].map((m) => m[1]!);
}

/** The commands of the sh blocks: continuation lines joined, comments dropped, `a && b` split, a trailing `&` dropped. */
function shellCommands(markdown: string): string[] {
  return blocks(markdown, 'sh').flatMap((block) =>
    block
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
      .filter((line) => line !== '')
      .flatMap((line) => line.split(' && ').map((c) => c.trim().replace(/\s*&$/, ''))),
  );
}

/** Commands not run here, and why. */
const NOT_RUN: readonly [RegExp, string][] = [
  [/^npm (ci|test|install)\b/, 'installs the project or runs the whole test suite: .ci/run does, and its packed-install smoke test installs the package'],
  [/^npx playwright install\b/, "downloads Playwright's browser from the network"],
  [/--provider external|^NC_ADMIN_PASSWORD=/, 'needs a running Nextcloud of your own'],
  [/--provider docker|^docker /, 'builds images FROM nextcloud:*, which cannot be pulled here (docker/ tests build what can be built)'],
  [/^npx nc-oauth-lab matrix(?! diff)/, 'runs the matrix: .ci/run runs the default matrix and the smoke test one variant; scenarios/run-matrix.test.ts runs shards and merges'],
  [/^npx playwright merge-reports\b/, 'needs the blob reports of shards (scenarios/matrix-reporter.test.ts merges some)'],
  [/^npx nc-oauth-lab double\b|^npx nc-mcp-server\b|^NC_MCP_USER=/, 'starts a server that runs until Ctrl-C (server/ tests start the same server)'],
];

type Run = NodeRun;

function node(args: string[], cwd: string): Promise<Run> {
  return runNode(args, { cwd });
}

describe('README examples', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-readme-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const commands = shellCommands(README);
  const run = commands.filter((c) => !NOT_RUN.some(([pattern]) => pattern.test(c)));

  it('has the TypeScript example and shell commands, each run here or said why not', () => {
    expect(blocks(README, 'ts')).toHaveLength(1);
    expect(run).toEqual([
      'npx nc-oauth-lab login --consent --token-type jwt',
      'npx nc-oauth-lab probe --nextcloud 34 --patch none',
      'npx nc-oauth-lab matrix diff base/matrix.json head/matrix.json',
      'npx nc-oauth-lab matrix diff real/matrix.json double/matrix.json',
      'npx nc-oauth-lab status',
      'npx nc-oauth-lab status --matrix unpatched/matrix.json --matrix patched/matrix.json --out reports/status',
      'npx nc-oauth-lab status --matrix ../shared/real-nextcloud/nc32.0.1-oidc1.16.6-uo8.10.1-none.matrix.json  --matrix ../shared/real-nextcloud/nc32.0.1-oidc1.16.6-uo8.10.1-user_oidc-app-api.matrix.json',
    ]);
  });

  it('the harness example logs in and its token passes the bearer table as the facts page says', { timeout: 120_000 }, async () => {
    const source = blocks(README, 'ts')[0]!.replace("from './harness/index.ts'", `from ${JSON.stringify(pathToFileURL(join(ROOT, 'harness', 'index.ts')).href)}`);
    // an ESM project, as the example's top-level await needs
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    const file = join(dir, 'readme-example.ts');
    writeFileSync(file, source);
    const r = await node(['--import', TSX, file], dir);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').map((line) => {
      const [check, status, ...message] = line.split(' ');
      return { check: check as ProbeCheck, status: Number(status), message: message.join(' ') };
    });
    expect(rows.map((row) => row.check)).toEqual([...PROBE_CHECKS]);
    for (const row of rows) expect(probeMatches(row, expectedProbe(row.check, { nextcloudMajor: 34, patch: 'user_oidc-app-api' })), `${row.check} ${row.status} ${row.message}`).toBe(true);
    expect(rows.find((row) => row.check === 'bearer.notes.get')!.status).toBe(200);
  });

  it.each(run.map((c) => [c]))('%s exits 0', { timeout: 120_000 }, async (command) => {
    const cwd = join(dir, `cmd-${run.indexOf(command)}`);
    mkdirSync(cwd);
    // The matrix.json files the examples name, as synthetic matrices (the recorded real runs' names too).
    for (const side of ['base', 'head', 'real', 'double', 'unpatched', 'patched', 'reports/matrix']) {
      mkdirSync(join(cwd, side), { recursive: true });
      writeFileSync(join(cwd, side, 'matrix.json'), JSON.stringify(syntheticMatrix()));
    }
    mkdirSync(join(dir, 'shared', 'real-nextcloud'), { recursive: true });
    for (const name of ['nc32.0.1-oidc1.16.6-uo8.10.1-none', 'nc32.0.1-oidc1.16.6-uo8.10.1-user_oidc-app-api']) {
      writeFileSync(join(dir, 'shared', 'real-nextcloud', `${name}.matrix.json`), JSON.stringify(syntheticMatrix()));
    }
    const args = splitCommandLine(command);
    expect(args.slice(0, 2)).toEqual(['npx', 'nc-oauth-lab']);
    const r = await node([CLI, ...args.slice(2)], cwd);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  });
});
