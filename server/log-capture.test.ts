import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTool, startServerStack, type ServerStack } from './server-test-kit.ts';

/** Everything the server logs at debug level while it works and fails, searched for every secret it saw. */
describe('log capture (against the Nextcloud double)', () => {
  let clock = Date.now();
  let stack: ServerStack;
  const secrets: string[] = [];

  beforeAll(async () => {
    stack = await startServerStack({ double: { patch: 'none', now: () => clock }, flags: { 'log-level': 'debug', 'no-ocs-api-request': true }, now: () => clock });
  });
  afterAll(() => stack.stop());

  it('writes no token, password or credential header into any log line', async () => {
    const opaque = await stack.token('alice', { format: 'opaque' });
    const jwt = await stack.token('bob', { format: 'jwt' });
    const invalid = 'Zq9XwVt7Rb3Lm1Np5Kc8Jd2Hf6Gs4Ay0Ue9Io7Pw3Tr1Ys5Ex8Cv2Bn6Mk4Lj0Hg9Fd7Sa3Qw1';
    secrets.push(opaque, jwt, invalid, 'alice-password', 'bob-password');

    for (const token of [opaque, jwt]) {
      const client = await stack.connect(token);
      await callTool(client, 'notes_list');
      await callTool(client, 'files_write', { path: '/secret-free.txt', content: 'x' });
      await callTool(client, 'files_read', { path: '/missing.txt' });
      await callTool(client, 'deck_boards_list');
    }
    const post = (token: string): Promise<Response> =>
      fetch(stack.server.url, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
    expect((await post(invalid)).status).toBe(401);
    clock += 3 * 3600 * 1000;
    expect((await post(opaque)).status).toBe(401);
    expect((await post(jwt)).status).toBe(401);
    const basicHeader = await fetch(stack.server.url, { method: 'POST', headers: { Authorization: `Basic ${Buffer.from('alice:alice-password').toString('base64')}` }, body: '{}' });
    expect(basicHeader.status).toBe(401);

    const text = stack.logs.join('\n');
    // The capture saw the interesting events, so that finding nothing means something.
    expect(text).toContain('"msg":"token accepted"');
    expect(text).toContain('"msg":"token rejected"');
    expect(text).toContain('"msg":"tool failed at Nextcloud"');
    expect(text).toContain('CORS requires basic auth');
    expect(text).toContain('"msg":"nextcloud request"');
    for (const secret of secrets) expect(text.includes(secret), `a log line holds ${secret.slice(0, 4)}…`).toBe(false);
    for (const secret of [opaque, jwt]) expect(text).not.toContain(secret.slice(0, 24));
    expect(text).not.toMatch(/Bearer (?!\[redacted\])\S/);
    expect(text).not.toContain(Buffer.from('alice:alice-password').toString('base64'));
  });
});
