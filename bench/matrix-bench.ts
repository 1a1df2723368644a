// `npm run bench:matrix`: wall time of the default matrix against the double with 1 worker and with 2, and
// the p50 of a browser login, printed as ratios against baselines measured in the same run (DEVELOPERS.md:
// speed targets are benchmarks, not timed tests). Options: --logins N (browser logins to sample, default 15),
// --out DIR (reports of the two runs, default reports/bench-matrix).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BrowserSession, CallbackServer, DoubleNextcloud, OAuthClient } from '../harness/index.ts';
import { readMatrixSpec } from '../scenarios/fixtures/matrix-spec.ts';
import { runMatrix, type MatrixOutcome } from '../scenarios/run-matrix.ts';
import { variantKey } from '../scenarios/variant.ts';

/** The p-th percentile (0-100) of `values`, nearest rank. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Runs the default matrix once; returns its wall time in milliseconds (and warns when a cell is not as expected). */
async function timedMatrix(workers: number, out: string): Promise<{ ms: number; result: MatrixOutcome }> {
  const started = performance.now();
  const result = await runMatrix({ spec: readMatrixSpec({}), out, workers, progress: 'null', output: () => undefined, env: { CI: '' } });
  const ms = performance.now() - started;
  if (result.exitCode !== 0) process.stderr.write(`bench:matrix: warning: the matrix with ${workers} worker(s) had ${result.failures.length} cell(s) not as expected, so its time may not be typical: ${result.failures.slice(0, 3).join('; ')}\n`);
  return { ms, result };
}

/** Browser logins against one double: each from a fresh browser context, so the login form is filled every time. */
async function loginTimes(count: number): Promise<number[]> {
  const nc = await new DoubleNextcloud().withProtectionsOff().start();
  const callbacks = await CallbackServer.start();
  const browser = await BrowserSession.launch(nc.secrets);
  const times: number[] = [];
  try {
    const client = await OAuthClient.register({ baseUrl: nc.baseUrl, publicUrl: nc.publicUrl, secrets: nc.secrets }, { redirectUris: [callbacks.redirectUri] });
    const user = nc.user();
    for (let i = 0; i < count + 1; i++) {
      await browser.forget(user);
      const request = await client.authorizationRequest({ scope: 'openid profile', pkce: 'S256' });
      const started = performance.now();
      const seen = await browser.login(user, request, callbacks);
      const ms = performance.now() - started;
      if (!seen.callback.code || !seen.loginFormShown) throw new Error('a benchmark login did not go through the login form to a code');
      // The first login warms the browser up (first page of the process): not sampled.
      if (i > 0) times.push(ms);
    }
    await client.delete();
  } finally {
    await browser.close();
    await callbacks.close();
    await nc.stop();
  }
  return times;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { logins: { type: 'string', default: '15' }, out: { type: 'string', default: join('reports', 'bench-matrix') } } });
  const count = Number(values.logins);
  if (!Number.isInteger(count) || count < 3 || count > 200) throw new Error(`--logins must be a whole number from 3 to 200, not '${values.logins}'`);
  const spec = readMatrixSpec({});
  await mkdir(values.out, { recursive: true });
  process.stderr.write(`bench:matrix: default matrix, ${spec.variants.length} variants against the double (${spec.variants.map(variantKey).join(', ')})\n`);
  process.stderr.write('bench:matrix: run 1 of 2 with 1 worker...\n');
  const one = await timedMatrix(1, join(values.out, 'workers-1'));
  process.stderr.write(`bench:matrix: run 2 of 2 with 2 workers...\n`);
  const two = await timedMatrix(2, join(values.out, 'workers-2'));
  process.stderr.write(`bench:matrix: ${count} browser logins...\n`);
  const logins = await loginTimes(count);
  const p50 = percentile(logins, 50);
  const perVariant = one.ms / spec.variants.length;
  const cells = one.result.matrix?.cells.length ?? 0;
  const lines = [
    `matrix (${spec.variants.length} variants, ${cells} cells), 1 worker:   ${seconds(one.ms)} (baseline 1.00x)`,
    `matrix (${spec.variants.length} variants, ${cells} cells), 2 workers:  ${seconds(two.ms)} (${(two.ms / one.ms).toFixed(2)}x the 1-worker time; speed-up ${(one.ms / two.ms).toFixed(2)}x)`,
    `browser login p50 (${logins.length} logins, fresh context): ${p50.toFixed(0)} ms, p95 ${percentile(logins, 95).toFixed(0)} ms`,
    `browser login p50 / 1-worker time per variant (${seconds(perVariant)}): ${(p50 / perVariant).toFixed(3)}x`,
  ];
  for (const line of lines) process.stdout.write(`${line}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:matrix: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
