import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILD_RUN_ENV, previousBuildFailure, recordBuildFailure, withBuildLock } from './docker-build-lock.ts';

const dir = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-build-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('withBuildLock', () => {
  it('runs the builds of one tag one after the other, and of different tags side by side', async () => {
    const events: string[] = [];
    let bStarted: () => void = () => undefined;
    // a1 holds its lock until b has started (bounded): b must not wait for a lock of another tag.
    const bRunning = new Promise<void>((resolve) => (bStarted = resolve));
    const build = (tag: string, name: string, work: () => Promise<unknown>) =>
      withBuildLock(
        tag,
        async () => {
          events.push(`start ${name}`);
          if (name === 'b') bStarted();
          await work();
          events.push(`end ${name}`);
          return name;
        },
        { dir, pollMs: 10 },
      );
    const a1 = build('nc-oauth-lab/nextcloud:32-aaaa', 'a1', () => Promise.race([bRunning, new Promise((r) => setTimeout(r, 5000))]));
    const a2 = build('nc-oauth-lab/nextcloud:32-aaaa', 'a2', async () => undefined);
    const b = build('nc-oauth-lab/nextcloud:34-bbbb', 'b', async () => undefined);
    expect(await Promise.all([a1, a2, b])).toEqual(['a1', 'a2', 'b']);
    // The two builds of one tag never overlap, whichever got the lock first.
    const sameTag = events.filter((e) => / a\d$/.test(e));
    expect([sameTag[0]!.split(' ')[0], sameTag[1]!.split(' ')[0], sameTag[2]!.split(' ')[0], sameTag[3]!.split(' ')[0]]).toEqual(['start', 'end', 'start', 'end']);
    expect(sameTag[0]!.slice(6)).toBe(sameTag[1]!.slice(4));
    expect(events.indexOf('start b')).toBeLessThan(events.indexOf('end a1'));
  });

  it('takes over the lock of a process that is gone, and releases it when the build throws', async () => {
    const lock = join(dir, 'nc-oauth-lab_nextcloud_32-cccc.lock');
    const gone = spawn(process.execPath, ['-e', '0']);
    const pid = gone.pid!;
    await new Promise((r) => gone.once('exit', r));
    mkdirSync(lock);
    writeFileSync(join(lock, 'pid'), String(pid));
    await expect(withBuildLock('nc-oauth-lab/nextcloud:32-cccc', () => Promise.reject(new Error('build failed')), { dir, pollMs: 10 })).rejects.toThrow('build failed');
    expect(await withBuildLock('nc-oauth-lab/nextcloud:32-cccc', async () => 'again', { dir, pollMs: 10, waitMs: 1000 })).toBe('again');
  });

  it('waits a bounded time for a live owner', async () => {
    const lock = join(dir, 'nc-oauth-lab_nextcloud_32-dddd.lock');
    mkdirSync(lock);
    writeFileSync(join(lock, 'pid'), String(process.pid));
    await expect(withBuildLock('nc-oauth-lab/nextcloud:32-dddd', async () => 'never', { dir, pollMs: 10, waitMs: 50 })).rejects.toThrow(/another process \(pid \d+\) has been building nc-oauth-lab\/nextcloud:32-dddd for too long/);
  });
});

describe('build failure records', () => {
  it('are seen within the run that wrote them only', async () => {
    const saved = process.env[BUILD_RUN_ENV];
    try {
      delete process.env[BUILD_RUN_ENV];
      await recordBuildFailure('t:1', 'nothing without a run', dir);
      expect(await previousBuildFailure('t:1', dir)).toBeUndefined();
      process.env[BUILD_RUN_ENV] = 'run-1';
      await recordBuildFailure('t:1', 'building image t:1 failed: step X failed: Could not resolve host', dir);
      expect(await previousBuildFailure('t:1', dir)).toBe('building image t:1 failed: step X failed: Could not resolve host');
      expect(await previousBuildFailure('t:2', dir)).toBeUndefined();
      process.env[BUILD_RUN_ENV] = 'run-2';
      expect(await previousBuildFailure('t:1', dir)).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env[BUILD_RUN_ENV];
      else process.env[BUILD_RUN_ENV] = saved;
    }
  });
});
