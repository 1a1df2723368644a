// `npm run conformance`: the official MCP conformance suite (@modelcontextprotocol/conformance 0.1.16, run on
// Node 22) against the MCP server in front of the Nextcloud double (a test double, not a real Nextcloud),
// in both of the server's modes, plus our own authorization checks (RFC 9728, RFC 6750 §3, RFC 8414 / OIDC
// Discovery), which the suite has no server scenarios for. Options: --out DIR (default reports/conformance),
// --mode oauth|basic|both (default both). Exit code 1 when a check that applies fails.
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { issueAccessToken, startDouble, type StartedDouble } from '../../double/index.ts';
import { parseServerConfig } from '../server-config.ts';
import { startServer, type StartedServer } from '../start-server.ts';
import { runAuthChecks } from './auth-checks.ts';
import type { ConformanceCheck } from './conformance-check.ts';
import { conformanceNode } from './conformance-node.ts';
import { startTokenProxy } from './token-proxy.ts';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../node_modules/@modelcontextprotocol/conformance/dist/index.js', import.meta.url));

/** The suite's server scenarios this server runs, and why they apply. */
export const APPLICABLE_SCENARIOS: readonly { scenario: string; why: string }[] = [
  { scenario: 'server-initialize', why: 'lifecycle: initialize and initialized' },
  { scenario: 'ping', why: 'the ping utility' },
  { scenario: 'tools-list', why: 'the Nextcloud tools with name, description and input schema' },
  { scenario: 'resources-list', why: 'the two resources (nextcloud://account, nextcloud://capabilities)' },
  { scenario: 'prompts-list', why: 'the find-in-nextcloud prompt' },
  { scenario: 'logging-set-level', why: 'the server declares the logging capability (tool errors are logged to the client)' },
  { scenario: 'dns-rebinding-protection', why: 'Host/Origin checks of a server on localhost' },
];

/** The suite's server scenarios that do not apply to this server, with the reason. */
export const NOT_APPLICABLE: readonly { scenario: string; reason: string }[] = [
  ...['tools-call-simple-text', 'tools-call-image', 'tools-call-audio', 'tools-call-embedded-resource', 'tools-call-mixed-content', 'tools-call-with-logging', 'tools-call-error', 'tools-call-with-progress', 'tools-call-sampling', 'tools-call-elicitation'].map((scenario) => ({
    scenario,
    reason: "calls a fixed test tool of the SDK's reference ('everything') server (test_simple_text, test_tool_with_progress, ...); this server's tools are Nextcloud's, covered by its own tests against the double",
  })),
  { scenario: 'json-schema-2020-12', reason: 'lists a fixed test tool with $defs/$ref input schema; this server has no such tool' },
  { scenario: 'elicitation-sep1034-defaults', reason: 'calls a fixed test tool that elicits input; this server does not elicit' },
  { scenario: 'elicitation-sep1330-enums', reason: 'calls a fixed test tool that elicits input; this server does not elicit' },
  { scenario: 'completion-complete', reason: 'asks completions for a fixed test prompt; this server offers no completions' },
  ...['resources-read-text', 'resources-read-binary', 'resources-templates-read'].map((scenario) => ({ scenario, reason: 'reads fixed test resources (test://static-text, ...); this server reads its own nextcloud:// resources' })),
  ...['resources-subscribe', 'resources-unsubscribe'].map((scenario) => ({ scenario, reason: 'resource subscriptions need a session; this server is stateless and does not offer them' })),
  ...['prompts-get-simple', 'prompts-get-with-args', 'prompts-get-embedded-resource', 'prompts-get-with-image'].map((scenario) => ({ scenario, reason: 'gets fixed test prompts (test_simple_prompt, ...); this server has its own prompt' })),
  ...['server-sse-polling', 'server-sse-multiple-streams'].map((scenario) => ({
    scenario,
    reason: 'needs sessions and resumable SSE streams (SEP-1699, a fixed test_reconnection tool); this server is stateless: one MCP server per request, built from the caller\'s token',
  })),
];

/** Results of one mode. */
export interface ModeResult {
  mode: 'oauth' | 'basic';
  url: string;
  scenarios: { scenario: string; passed: boolean; checks: ConformanceCheck[] }[];
}

const { values } = parseArgs({ options: { out: { type: 'string', default: 'reports/conformance' }, mode: { type: 'string', default: 'both' } } });
const out = String(values.out);
const modes = values.mode === 'both' ? (['oauth', 'basic'] as const) : values.mode === 'oauth' || values.mode === 'basic' ? ([values.mode] as const) : undefined;
if (!modes) {
  process.stderr.write(`conformance: --mode must be oauth, basic or both, not '${String(values.mode)}'\n`);
  process.exit(2);
}
const log = (line: string): void => void process.stderr.write(`${line}\n`);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function findChecks(dir: string): Promise<ConformanceCheck[]> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name === 'checks.json') return JSON.parse(await readFile(join(entry.parentPath, entry.name), 'utf8')) as ConformanceCheck[];
  }
  return [];
}

async function runScenario(node: string, url: string, scenario: string, dir: string): Promise<{ passed: boolean; checks: ConformanceCheck[] }> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  let exitCode = 0;
  let output: string;
  try {
    const r = await run(node, [CLI, 'server', '--url', url, '--scenario', scenario, '-o', dir], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
    output = r.stdout + r.stderr;
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    exitCode = typeof e.code === 'number' ? e.code : 1;
    output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
  await writeFile(join(dir, 'output.txt'), output);
  const checks = await findChecks(dir);
  const passed = exitCode === 0 && checks.length > 0 && checks.every((c) => c.status !== 'FAILURE');
  return { passed, checks };
}

async function suiteScenarios(node: string): Promise<string[]> {
  const { stdout } = await run(node, [CLI, 'list', '--server']);
  return [...stdout.matchAll(/^\s+- ([a-z0-9-]+)/gm)].map((m) => m[1]!);
}

async function appPassword(double: StartedDouble, uid: string, password: string): Promise<string> {
  const res = await fetch(`${double.url}/ocs/v2.php/core/getapppassword?format=json`, { headers: { Authorization: `Basic ${Buffer.from(`${uid}:${password}`).toString('base64')}`, 'OCS-APIRequest': 'true' } });
  if (res.status !== 200) throw new Error(`the double gave no app password (${res.status})`);
  return ((await res.json()) as { ocs: { data: { apppassword: string } } }).ocs.data.apppassword;
}

function table(rows: string[][]): string {
  return rows.map((r) => `| ${r.join(' | ')} |`).join('\n');
}

const node = await conformanceNode(log);
const known = await suiteScenarios(node);
const classified = new Set([...APPLICABLE_SCENARIOS.map((s) => s.scenario), ...NOT_APPLICABLE.map((s) => s.scenario)]);
const unclassified = known.filter((s) => !classified.has(s));
const missingInSuite = APPLICABLE_SCENARIOS.map((s) => s.scenario).filter((s) => !known.includes(s));

let clock = Date.now();
const double = await startDouble({ nextcloud: 32, now: () => clock });
const serverLogs: string[] = [];
const results: ModeResult[] = [];
let authChecks: ConformanceCheck[] = [];
const stops: (() => Promise<void>)[] = [() => double.stop()];
try {
  const v = double.state.versions;
  log(`conformance: Node ${await run(node, ['--version']).then((r) => r.stdout.trim())}, suite 0.1.16, against the Nextcloud double (a test double, not a real Nextcloud): NC ${v.nextcloud}, oidc ${v.oidc}, user_oidc ${v.userOidc}`);
  for (const mode of modes) {
    let server: StartedServer;
    let url: string;
    if (mode === 'oauth') {
      const token = (await issueAccessToken(double.state, { uid: 'alice', format: 'opaque' })).token;
      const proxy = await startTokenProxy(token);
      stops.push(() => proxy.stop());
      const port = await freePort();
      const hosts = [port, proxy.port].flatMap((p) => [`127.0.0.1:${p}`, `localhost:${p}`]);
      const config = parseServerConfig({ flags: { 'nextcloud-url': double.url, port: String(port), 'allowed-hosts': hosts.join(','), 'allowed-origins': hosts.map((h) => `http://${h}`).join(','), 'log-level': 'info' }, env: {} });
      server = await startServer({ config, now: () => clock, logWrite: (l) => void serverLogs.push(l) });
      proxy.setTarget(port);
      url = `${proxy.origin}/mcp`;
      log(`conformance: oauth mode at ${server.url}, reached through a token proxy at ${url} (it adds alice's bearer token; Host and Origin pass unchanged)`);
    } else {
      const password = await appPassword(double, 'alice', 'alice-password');
      const config = parseServerConfig({ flags: { 'nextcloud-url': double.url, port: '0', auth: 'basic', user: 'alice', 'log-level': 'info' }, env: { NC_MCP_APP_PASSWORD: password } });
      server = await startServer({ config, logWrite: (l) => void serverLogs.push(l) });
      url = server.url;
      log(`conformance: basic mode at ${url} (alice's app password, no token)`);
    }
    stops.push(() => server.stop());
    const result: ModeResult = { mode, url, scenarios: [] };
    for (const { scenario } of APPLICABLE_SCENARIOS.filter((s) => known.includes(s.scenario))) {
      const r = await runScenario(node, url, scenario, join(out, mode, scenario));
      result.scenarios.push({ scenario, ...r });
      log(`  ${r.passed ? 'pass' : 'FAIL'}  ${mode}  ${scenario}  (${r.checks.filter((c) => c.status === 'SUCCESS').length}/${r.checks.filter((c) => c.status === 'SUCCESS' || c.status === 'FAILURE').length} checks)`);
    }
    results.push(result);
    if (mode === 'oauth') {
      const past = clock;
      clock -= 3 * 3600 * 1000;
      const expiredToken = (await issueAccessToken(double.state, { uid: 'alice', format: 'jwt' })).token;
      clock = past;
      authChecks = await runAuthChecks({
        serverUrl: server.url,
        validToken: (await issueAccessToken(double.state, { uid: 'alice', format: 'jwt' })).token,
        expiredToken,
        underScopedToken: (await issueAccessToken(double.state, { uid: 'alice', format: 'jwt', scope: 'profile email' })).token,
      });
      for (const c of authChecks) log(`  ${c.status === 'SUCCESS' ? 'pass' : c.status === 'WARNING' ? 'warn' : 'FAIL'}  oauth  ${c.id}${c.errorMessage ? `: ${c.errorMessage}` : ''}`);
    }
  }
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
}

const failures = [
  ...results.flatMap((r) => r.scenarios.filter((s) => !s.passed).map((s) => `${r.mode} ${s.scenario}`)),
  ...authChecks.filter((c) => c.status === 'FAILURE').map((c) => `oauth ${c.id}`),
  ...unclassified.map((s) => `suite scenario '${s}' is neither run nor listed as not applicable: classify it in server/conformance/run-conformance.ts`),
  ...missingInSuite.map((s) => `scenario '${s}' is not in this suite version`),
];
await mkdir(out, { recursive: true });
const v = double.state.versions;
const summary = {
  suite: '@modelcontextprotocol/conformance@0.1.16',
  against: { double: true, nextcloud: v.nextcloud, oidc: v.oidc, userOidc: v.userOidc },
  modes: results.map((r) => ({ mode: r.mode, url: r.url, scenarios: r.scenarios.map((s) => ({ scenario: s.scenario, passed: s.passed, checks: s.checks.map((c) => ({ id: c.id, status: c.status, ...(c.errorMessage ? { errorMessage: c.errorMessage } : {}) })) })) })),
  authChecks,
  notApplicable: NOT_APPLICABLE,
  failures,
};
await writeFile(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
await writeFile(join(out, 'server.log'), `${serverLogs.join('\n')}\n`);
const md = [
  `# MCP conformance of the nc-oauth-lab server`,
  '',
  `Against the Nextcloud double (a test double, not a real Nextcloud): Nextcloud ${v.nextcloud}, oidc ${v.oidc}, user_oidc ${v.userOidc}. Suite ${summary.suite}.`,
  '',
  '## Suite scenarios',
  '',
  table([['scenario', ...results.map((r) => `${r.mode} mode`)], ['---', ...results.map(() => '---')], ...APPLICABLE_SCENARIOS.map((s) => [s.scenario, ...results.map((r) => (r.scenarios.find((x) => x.scenario === s.scenario)?.passed ? 'pass' : 'FAIL'))])]),
  '',
  '## Authorization checks (ours, oauth mode)',
  '',
  table([['check', 'status', 'detail'], ['---', '---', '---'], ...authChecks.map((c) => [c.id, c.status, (c.errorMessage ?? c.description).replace(/\|/g, '\\|')])]),
  '',
  '## Not applicable',
  '',
  table([['scenario', 'why'], ['---', '---'], ...NOT_APPLICABLE.map((n) => [n.scenario, n.reason])]),
  '',
  failures.length === 0 ? 'All applicable checks pass.' : `Failures:\n${failures.map((f) => `- ${f}`).join('\n')}`,
  '',
].join('\n');
await writeFile(join(out, 'summary.md'), md);
process.stdout.write(`${md}\nReports: ${out}/summary.md, summary.json, per-scenario checks.json and the server log.\n`);
process.exitCode = failures.length === 0 ? 0 : 1;
