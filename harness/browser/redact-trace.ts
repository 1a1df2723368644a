import { readFile, writeFile } from 'node:fs/promises';
import { strFromU8, strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { REDACTED, type SecretRedactor } from '../secret-redactor.ts';

/** True when the bytes look like text (no NUL in the first 8 KiB), so that redaction can rewrite them. */
function looksLikeText(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, 8192);
  for (let i = 0; i < end; i++) if (bytes[i] === 0) return false;
  return true;
}

/** Session cookies and credentials in a trace's network log (`{"name":"Cookie","value":"..."}`, `"cookies":[...]`). */
const TRACE_PATTERNS: readonly [RegExp, (match: string, ...groups: string[]) => string][] = [
  [/("name"\s*:\s*"(?:cookie|set-cookie|authorization|requesttoken)"\s*,\s*"value"\s*:\s*)"(?:[^"\\]|\\.)*"/gi, (_m, head: string) => `${head}"${REDACTED}"`],
  [/("cookies"\s*:\s*\[)([^\]]*)(\])/g, (_m, open: string, body: string, close: string) => `${open}${body.replace(/("value"\s*:\s*)"(?:[^"\\]|\\.)*"/g, `$1"${REDACTED}"`)}${close}`],
];

/** `text` without the run's secrets, secret-carrying parameters, session cookies and credentials. */
export function redactTraceText(text: string, secrets: SecretRedactor): string {
  let out = secrets.redact(text);
  for (const [pattern, replace] of TRACE_PATTERNS) out = out.replace(pattern, replace);
  return out;
}

/**
 * Rewrites a Playwright trace zip so that no registered secret and no secret-carrying parameter
 * (`code=`, `access_token`, `Bearer ...`) and no session cookie is left in any of its text entries (actions, network log,
 * DOM snapshots, resources). Images and other binary entries are kept as they are. Returns how many
 * entries changed.
 */
export async function redactTraceZip(path: string, secrets: SecretRedactor): Promise<number> {
  const entries = unzipSync(new Uint8Array(await readFile(path)));
  const out: Zippable = {};
  let changed = 0;
  for (const [name, bytes] of Object.entries(entries)) {
    if (!looksLikeText(bytes)) {
      out[name] = bytes;
      continue;
    }
    const text = strFromU8(bytes);
    const redacted = redactTraceText(text, secrets);
    if (redacted !== text) changed++;
    out[name] = redacted === text ? bytes : strToU8(redacted);
  }
  await writeFile(path, zipSync(out, { level: 6 }));
  return changed;
}

/** The text entries of a trace zip, concatenated (for tests that look for leaks). */
export async function traceText(path: string): Promise<string> {
  const entries = unzipSync(new Uint8Array(await readFile(path)));
  return Object.values(entries)
    .filter(looksLikeText)
    .map((bytes) => strFromU8(bytes))
    .join('\n');
}
