import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretRedactor } from '../secret-redactor.ts';
import { redactTraceText, redactTraceZip, traceText } from './redact-trace.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nclab-trace-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('redactTraceZip', () => {
  it('rewrites every text entry without secrets and leaves binary entries as they are', async () => {
    const secrets = new SecretRedactor().add('the-user-password', 'opaque-access-token-123');
    const network = [
      '{"type":"resource-snapshot","snapshot":{"request":{"url":"http://127.0.0.1:9/callback?state=s&code=AUTHCODE1","headers":[{"name":"Cookie","value":"oc123=session-id-1; nc_sameSiteCookielax=true"}],"cookies":[{"name":"oc123","value":"session-id-1"}]}}}',
      '{"response":{"headers":[{"name":"Set-Cookie","value":"oc123=session-id-2; path=/"},{"name":"Content-Type","value":"text/html"}]}}',
    ].join('\n');
    const snapshot = '<input name="password" __playwright_value_="the-user-password"><p>Bearer opaque-access-token-123</p>';
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 1, 2, 3]);
    const path = join(dir, 'trace.zip');
    await writeFile(path, zipSync({ 'trace.network': strToU8(network), 'resources/a.html': strToU8(snapshot), 'screencast/x.png': png, 'trace.trace': strToU8('{"title":"nothing secret"}') }));
    expect(await redactTraceZip(path, secrets)).toBe(2);
    const text = await traceText(path);
    for (const leak of ['the-user-password', 'opaque-access-token-123', 'AUTHCODE1', 'session-id-1', 'session-id-2']) expect(text).not.toContain(leak);
    expect(text).toContain('code=***');
    expect(text).toContain('{"name":"Cookie","value":"***"}');
    expect(text).toContain('{"name":"Content-Type","value":"text/html"}');
    expect(text).toContain('nothing secret');
    expect(unzipSync(new Uint8Array(await readFile(path)))['screencast/x.png']).toEqual(png);
  });

  it('redacts the Authorization header of a network entry', () => {
    expect(redactTraceText('{"name":"authorization","value":"Basic YWxpY2U6cHc="}', new SecretRedactor())).toBe('{"name":"authorization","value":"***"}');
  });
});
