// `npm run bench:server`: the MCP server's cost over Nextcloud, measured in one run against the Nextcloud
// double (a test double, not a real Nextcloud): p50 and p95 of a Notes list through the MCP server
// (`tools/call notes_list` over Streamable HTTP with an opaque bearer token) and of the same request sent
// straight to the double, printed as ratios; and how many userinfo calls the token cache lets through per
// 1000 tool calls. Loopback only, bounded loops. Options: --samples N (timed requests per path, default 300),
// --calls N (tool calls of the cache run, default 1000), --tokens N (distinct tokens in it, default 10),
// --budget S (stop sampling after S seconds, default 120).
import { parseArgs } from 'node:util';
import { startServerStack, type ServerStack } from '../server/server-test-kit.ts';

const USERINFO = '/index.php/apps/oidc/userinfo';

/** The p-th percentile (0-100) of `values`, nearest rank. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function intArg(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > max) {
    process.stderr.write(`bench:server: --${name} must be a whole number from 1 to ${max}, not '${value}'\n`);
    process.exit(2);
  }
  return n;
}

const { values } = parseArgs({ options: { samples: { type: 'string' }, calls: { type: 'string' }, tokens: { type: 'string' }, budget: { type: 'string' } } });
const samples = intArg(values.samples, 'samples', 300, 100_000);
const calls = intArg(values.calls, 'calls', 1000, 100_000);
const tokenCount = intArg(values.tokens, 'tokens', 10, 1000);
const budgetMs = intArg(values.budget, 'budget', 120, 3600) * 1000;

/** A `tools/call` over Streamable HTTP, read to the end; throws unless the tool succeeded. */
async function mcpNotesList(stack: ServerStack, token: string): Promise<void> {
  const res = await fetch(stack.server.url, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
    body: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"notes_list","arguments":{}}}',
  });
  const text = await res.text();
  if (res.status !== 200 || !text.includes('"structuredContent"') || text.includes('"isError":true')) throw new Error(`MCP notes_list failed: ${res.status} ${text.slice(0, 200)}`);
}

/** The same Notes list straight at the double, as the server sends it. */
async function directNotesList(stack: ServerStack, token: string): Promise<void> {
  const res = await fetch(`${stack.double.url}/index.php/apps/notes/api/v1/notes?exclude=content`, { headers: { Authorization: `Bearer ${token}`, 'OCS-APIRequest': 'true', Accept: 'application/json' } });
  await res.text();
  if (res.status !== 200) throw new Error(`direct Notes list failed: ${res.status}`);
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

const stack = await startServerStack({ double: { nextcloud: 32 }, flags: { 'log-level': 'error' } });
try {
  process.stderr.write(`bench:server: against the Nextcloud double (a test double, not a real Nextcloud) at ${stack.double.url}, MCP server at ${stack.server.url}\n`);
  const token = await stack.token('alice', { format: 'opaque' });
  for (let i = 0; i < 20; i++) {
    const res = await fetch(`${stack.double.url}/index.php/apps/notes/api/v1/notes`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'OCS-APIRequest': 'true', 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: `Bench note ${i}`, content: `content ${i}`.repeat(20) }),
    });
    if (res.status !== 200) throw new Error(`cannot create bench notes: ${res.status}`);
  }
  for (let i = 0; i < 30; i++) {
    await mcpNotesList(stack, token);
    await directNotesList(stack, token);
  }

  const viaMcp: number[] = [];
  const direct: number[] = [];
  const started = performance.now();
  for (let i = 0; i < samples && performance.now() - started < budgetMs; i++) {
    // Alternate the order so that neither path always runs on a warmer machine.
    if (i % 2 === 0) {
      viaMcp.push(await timed(() => mcpNotesList(stack, token)));
      direct.push(await timed(() => directNotesList(stack, token)));
    } else {
      direct.push(await timed(() => directNotesList(stack, token)));
      viaMcp.push(await timed(() => mcpNotesList(stack, token)));
    }
    if (i > 0 && i % 100 === 0) process.stderr.write(`bench:server: ${i}/${samples} samples\n`);
  }
  const row = (name: string, xs: number[]): string => `${name.padEnd(28)} p50 ${percentile(xs, 50).toFixed(2).padStart(7)} ms   p95 ${percentile(xs, 95).toFixed(2).padStart(7)} ms`;
  const out: string[] = [];
  out.push(`Notes list, ${viaMcp.length} samples each (Nextcloud double, NC 32, opaque token):`);
  out.push(row('direct to the double', direct));
  out.push(row('through the MCP server', viaMcp));
  out.push(`ratio MCP/direct              p50 ${(percentile(viaMcp, 50) / percentile(direct, 50)).toFixed(2)}x   p95 ${(percentile(viaMcp, 95) / percentile(direct, 95)).toFixed(2)}x`);

  const tokens = await Promise.all(Array.from({ length: tokenCount }, (_, i) => stack.token(i % 2 === 0 ? 'alice' : 'bob', { format: 'opaque' })));
  const before = stack.requests.get(USERINFO) ?? 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < calls; i = next++) await mcpNotesList(stack, tokens[i % tokens.length]!);
  };
  await Promise.all(Array.from({ length: 10 }, worker));
  const userinfo = (stack.requests.get(USERINFO) ?? 0) - before;
  out.push(`userinfo calls per 1000 tool calls: ${((userinfo * 1000) / calls).toFixed(1)} (${userinfo} for ${calls} calls over ${tokenCount} opaque tokens, 10 at a time, cache TTL ${stack.server.config.tokenCacheTtlSeconds} s)`);
  process.stdout.write(`${out.join('\n')}\n`);
} finally {
  await stack.stop();
}
