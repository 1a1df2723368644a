import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOk, callTool, startServerStack, type ServerStack } from './server-test-kit.ts';

const USERINFO = '/index.php/apps/oidc/userinfo';

describe('isolation and the token cache (against the Nextcloud double)', () => {
  let stack: ServerStack;

  beforeAll(async () => {
    stack = await startServerStack({ flags: { 'log-level': 'warn' } });
  });
  afterAll(() => stack.stop());

  it("keeps two users apart: 100 parallel calls each, none sees the other's data", async () => {
    const [aliceToken, bobToken] = await Promise.all([stack.token('alice'), stack.token('bob', { format: 'jwt' })]);
    const [alice, bob] = await Promise.all([stack.connect(aliceToken), stack.connect(bobToken)]);
    await callOk(alice, 'notes_create', { title: 'alice-marker', content: 'ALICE-ONLY-7f3a' });
    await callOk(bob, 'notes_create', { title: 'bob-marker', content: 'BOB-ONLY-91c2' });
    await callOk(alice, 'files_write', { path: '/alice-file-7f3a.txt', content: 'a' });
    await callOk(bob, 'files_write', { path: '/bob-file-91c2.txt', content: 'b' });

    const run = (client: typeof alice, i: number): Promise<string> =>
      (i % 2 === 0 ? callTool(client, 'notes_list', { includeContent: true }) : callTool(client, 'files_list', {})).then((r) => {
        if (r.isError) throw new Error(r.text);
        return JSON.stringify(r.structuredContent);
      });
    const [aliceAnswers, bobAnswers] = await Promise.all([
      Promise.all(Array.from({ length: 100 }, (_, i) => run(alice, i))),
      Promise.all(Array.from({ length: 100 }, (_, i) => run(bob, i))),
    ]);
    expect(aliceAnswers).toHaveLength(100);
    expect(bobAnswers).toHaveLength(100);
    const leaks = [...aliceAnswers.filter((a) => /BOB-ONLY|bob-marker|bob-file/.test(a)), ...bobAnswers.filter((b) => /ALICE-ONLY|alice-marker|alice-file/.test(b))];
    expect(leaks).toEqual([]);
    expect(aliceAnswers.filter((a) => a.includes('ALICE-ONLY-7f3a') || a.includes('alice-file-7f3a'))).toHaveLength(100);
    expect(bobAnswers.filter((b) => b.includes('BOB-ONLY-91c2') || b.includes('bob-file-91c2'))).toHaveLength(100);
  }, 90_000);

  it('makes exactly one userinfo call for 50 tool calls with one opaque token', async () => {
    const token = await stack.token('alice', { format: 'opaque' });
    const before = stack.requests.get(USERINFO) ?? 0;
    const client = await stack.connect(token);
    const results = await Promise.all(Array.from({ length: 25 }, () => callTool(client, 'notes_list')));
    for (let i = 0; i < 25; i++) results.push(await callTool(client, 'notes_list'));
    expect(results.filter((r) => !r.isError)).toHaveLength(50);
    expect((stack.requests.get(USERINFO) ?? 0) - before).toBe(1);
  });

  it('remembers a rejected token briefly: 20 tries make one userinfo call', async () => {
    const before = stack.requests.get(USERINFO) ?? 0;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => fetch(stack.server.url, { method: 'POST', headers: { Authorization: 'Bearer not-a-token-of-this-nextcloud', 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' }, body: '{}' })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(401));
    expect((stack.requests.get(USERINFO) ?? 0) - before).toBe(1);
  });
});
