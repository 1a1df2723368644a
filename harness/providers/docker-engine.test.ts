import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// Temporary build contexts and build locks are removed when the process ends before its build does.

const work = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-temp-paths-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function child(path: string, then: 'exit' | 'wait'): { ready: Promise<void>; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; kill: (s: NodeJS.Signals) => void } {
  const script = [
    `import { mkdirSync } from 'node:fs';`,
    `import { trackTempPath } from ${JSON.stringify(join(import.meta.dirname, 'docker-engine.ts'))};`,
    `mkdirSync(${JSON.stringify(path)}, { recursive: true });`,
    `trackTempPath(${JSON.stringify(path)});`,
    `console.log('READY');`,
    then === 'exit' ? 'process.exit(0);' : 'setInterval(() => undefined, 1000);',
  ].join('\n');
  const file = join(work, `child-${then}.mts`);
  writeFileSync(file, script);
  const proc = spawn(process.execPath, ['--import', 'tsx', file], { cwd: join(import.meta.dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = new Promise<void>((resolve) => proc.stdout.on('data', (d: Buffer) => d.toString().includes('READY') && resolve()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  return { ready, exited, kill: (s) => void proc.kill(s) };
}

describe('trackTempPath', () => {
  it('removes the path when the process exits, and on SIGINT', async () => {
    const a = join(work, 'context-exit');
    const first = child(a, 'exit');
    await first.ready;
    expect((await first.exited).code).toBe(0);
    expect(existsSync(a)).toBe(false);

    const b = join(work, 'context-sigint');
    const second = child(b, 'wait');
    await second.ready;
    expect(existsSync(b)).toBe(true);
    second.kill('SIGINT');
    expect((await second.exited).signal).toBe('SIGINT');
    expect(existsSync(b)).toBe(false);
  }, 60_000);
});
