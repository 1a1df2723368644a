/** Helpers for the tests of the CLI: run it in this process (`captureCli`) or as a process (`runNode`). Not shipped. */
import { spawn, type ChildProcess } from 'node:child_process';
import { runCli } from './command.ts';
import { rootCommand } from './commands.ts';

/** How a process run by `runNode` ended, with everything it printed. */
export interface NodeRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of `runNode`. */
export interface RunNodeOptions {
  cwd?: string;
  /** Added to this process's environment (FORCE_COLOR is 0 unless given). */
  env?: Record<string, string>;
  /** Its own process group, as a terminal starts a command: `onStderr` can then signal the group. */
  detached?: boolean;
  /** Called with all of stderr so far on each chunk (to send signals at a point of the run). */
  onStderr?: (stderr: string, child: ChildProcess) => void;
  /** Kills the process (its group when detached) and rejects after this many ms. Default: no limit. */
  timeoutMs?: number;
}

/** Runs `node <args>` (this Node binary) and resolves when it closes, whatever its exit code. For tests of the CLI and of Playwright runs. */
export function runNode(args: readonly string[], options: RunNodeOptions = {}): Promise<NodeRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args], {
      ...(options.cwd ? { cwd: options.cwd } : {}),
      detached: options.detached ?? false,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0', ...options.env },
    });
    let stdout = '';
    let stderr = '';
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            try {
              if (options.detached) process.kill(-child.pid!, 'SIGKILL');
              else child.kill('SIGKILL');
            } catch {
              // already gone
            }
            reject(new Error(`node ${args.join(' ').slice(0, 200)} did not end in ${options.timeoutMs} ms:\n${stderr}`));
          }, options.timeoutMs);
    child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      options.onStderr?.(stderr, child);
    });
    child.once('error', (error) => {
      if (timer) clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** What `captureCli` gives back: the exit code and the lines the command wrote to stdout and stderr. */
export interface CapturedCli {
  code: number;
  out: string[];
  err: string[];
}

/**
 * Runs the CLI in this process (`runCli` with the root command) and collects its lines; `env` is set for the
 * run and put back after it.
 */
export async function captureCli(argv: readonly string[], env: Record<string, string> = {}): Promise<CapturedCli> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const code = await runCli(rootCommand, [...argv], { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
