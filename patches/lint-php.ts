import { spawn } from 'node:child_process';

/** The result of `php -l`: passed, failed (with PHP's message), or skipped (no PHP, or the original fails too). */
export type PhpLintResult =
  | { status: 'passed'; php: string }
  | { status: 'failed'; php: string; message: string }
  | { status: 'skipped'; reason: string };

/** Options of `lintPhp`. */
export interface PhpLintOptions {
  /** The PHP binary (default: `$NC_OAUTH_LAB_PHP`, else `php` on PATH). */
  php?: string;
}

function run(php: string, args: readonly string[], input?: string): Promise<{ code: number | null; out: string } | 'not-found'> {
  return new Promise((resolve, reject) => {
    const child = spawn(php, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' || error.code === 'EACCES' ? resolve('not-found') : reject(error)));
    child.on('close', (code) => resolve({ code, out }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

const versions = new Map<string, Promise<string | undefined>>();

function phpVersion(php: string): Promise<string | undefined> {
  let version = versions.get(php);
  if (!version) {
    version = run(php, ['-n', '-r', 'echo PHP_VERSION;']).then((r) => (r === 'not-found' || r.code !== 0 ? undefined : r.out.trim()));
    versions.set(php, version);
  }
  return version;
}

/**
 * Runs `php -l` on `source` (through stdin, no file written). Never passes silently: without PHP the result is
 * `skipped` with the reason "php not found".
 */
export async function lintPhp(source: string, options: PhpLintOptions = {}): Promise<PhpLintResult> {
  const php = options.php ?? process.env['NC_OAUTH_LAB_PHP'] ?? 'php';
  const version = await phpVersion(php);
  if (version === undefined) return { status: 'skipped', reason: `php not found (${php})` };
  const result = await run(php, ['-n', '-l'], source);
  if (result === 'not-found') return { status: 'skipped', reason: `php not found (${php})` };
  if (result.code === 0) return { status: 'passed', php: version };
  const message = result.out.split('\n').map((l) => l.trim()).find((l) => /error/i.test(l) && !/^Errors parsing/.test(l)) ?? result.out.trim();
  return { status: 'failed', php: version, message: message.replace(/ in Standard input code/, '') };
}

/**
 * `php -l` on a patched file. When the patched text fails, the original is linted too: if it fails as well
 * (the file needs a newer PHP than the one installed), the check is `skipped` with that reason, else `failed`.
 */
export async function lintPatchedPhp(original: string, patched: string, options: PhpLintOptions = {}): Promise<PhpLintResult> {
  const result = await lintPhp(patched, options);
  if (result.status !== 'failed') return result;
  const before = await lintPhp(original, options);
  if (before.status === 'failed') return { status: 'skipped', reason: `the original file does not pass php -l on PHP ${before.php} either (${before.message})` };
  return result;
}

/** One line for a lint result: `php -l: passed (PHP 8.2.36)`. */
export function describeLint(result: PhpLintResult): string {
  switch (result.status) {
    case 'passed': return `php -l: passed (PHP ${result.php})`;
    case 'failed': return `php -l: FAILED on PHP ${result.php}: ${result.message}`;
    case 'skipped': return `php -l: skipped: ${result.reason}`;
  }
}
