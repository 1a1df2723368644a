import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { POST_INSTALLATION_HOOKS_DIR } from './nextcloud-image.ts';

/** One occ call the fake recorded: its argv and the OC_PASS it saw (undefined when unset). */
export interface RecordedOccCall {
  args: string[];
  ocPass: string | undefined;
}

/** What a run of the hooks did. */
export interface HookRun {
  /** Every occ call in order. */
  calls: RecordedOccCall[];
  /** Exit code of the first failing hook, 0 when all passed. */
  exitCode: number;
  /** The hook that failed, if one did. */
  failedHook: string | undefined;
  /** Names of the hooks that ran, in order. */
  ran: string[];
  stdout: string;
  stderr: string;
}

/**
 * A recording fake occ (POSIX sh): appends one line per call to `$FAKE_OCC_LOG`, fields separated by \037
 * (`OC_PASS=<value>` or `-`, then every argument). `config:system:get trusted_domains` prints
 * `$FAKE_OCC_TRUSTED_DOMAINS` one a line (exit 1 when unset, like occ for a missing key); a call whose
 * first word is `$FAKE_OCC_FAIL` fails with exit 1.
 */
export const FAKE_OCC_SCRIPT = `#!/bin/sh
{
  if [ -n "\${OC_PASS+x}" ]; then printf 'OC_PASS=%s' "$OC_PASS"; else printf '%s' '-'; fi
  for arg in "$@"; do printf '\\037%s' "$arg"; done
  printf '\\n'
} >> "$FAKE_OCC_LOG"
if [ "$1" = "\${FAKE_OCC_FAIL-}" ]; then
  echo "fake occ: $1 failed" >&2
  exit 1
fi
if [ "$1 $2" = "config:system:get trusted_domains" ]; then
  [ -n "\${FAKE_OCC_TRUSTED_DOMAINS+x}" ] || exit 1
  for domain in $FAKE_OCC_TRUSTED_DOMAINS; do printf '%s\\n' "$domain"; done
fi
exit 0
`;

function runFile(file: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, [], { env, timeout: 10_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/**
 * Runs the post-installation hooks as the official image's entrypoint does (`run_path`: every `*.sh` of
 * the folder in name order, executable ones only, stop at the first failure), with a clean environment
 * plus `env`, against the recording fake occ (`OCC="sh <fake>"`, a command line with a space like the
 * default `php /var/www/html/occ`). For tests of the hooks and of files that set their environment.
 */
export async function runHooksWithFakeOcc(env: Readonly<Record<string, string>> = {}, hooksDir: string = POST_INSTALLATION_HOOKS_DIR): Promise<HookRun> {
  const work = await mkdtemp(join(tmpdir(), 'nc-oauth-lab-hooks-'));
  try {
    const fake = join(work, 'fake-occ');
    const log = join(work, 'occ.log');
    await writeFile(fake, FAKE_OCC_SCRIPT, { mode: 0o755 });
    await writeFile(log, '');
    const hooks = (await readdir(hooksDir)).filter((f) => f.toLowerCase().endsWith('.sh')).sort();
    const result: HookRun = { calls: [], exitCode: 0, failedHook: undefined, ran: [], stdout: '', stderr: '' };
    for (const hook of hooks) {
      if (((await stat(join(hooksDir, hook))).mode & 0o111) === 0) {
        result.stdout += `==> The script "${hook}" was skipped, because it didn't have the executable flag\n`;
        continue;
      }
      const ran = await runFile(join(hooksDir, hook), { PATH: process.env['PATH'] ?? '/usr/bin:/bin', OCC: `sh ${fake}`, FAKE_OCC_LOG: log, ...env });
      result.ran.push(hook);
      result.stdout += ran.stdout;
      result.stderr += ran.stderr;
      if (ran.code !== 0) {
        result.exitCode = ran.code;
        result.failedHook = hook;
        break;
      }
    }
    result.calls = (await readFile(log, 'utf8'))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const [pass, ...args] = line.split('\x1f');
        return { args, ocPass: pass === '-' ? undefined : pass!.slice('OC_PASS='.length) };
      });
    return result;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
