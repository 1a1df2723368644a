import { afterEach, describe, expect, it } from 'vitest';
import { HarnessError } from '../harness-error.ts';
import { CallbackServer } from './callback-server.ts';

let server: CallbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('CallbackServer', () => {
  it('listens on 127.0.0.1 with a random port and hands each callback to its state', async () => {
    server = await CallbackServer.start();
    expect(server.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const first = server.wait('state-one', 5000);
    const second = server.wait('state-two', 5000);
    const r2 = await fetch(`${server.redirectUri}?state=state-two&code=code-two`);
    expect(r2.status).toBe(200);
    expect(await r2.text()).toContain('authorization response received');
    await fetch(`${server.redirectUri}?state=state-one&error=access_denied&error_description=User%20denied%20consent`);
    expect(await second).toMatchObject({ state: 'state-two', code: 'code-two' });
    const denied = await first;
    expect(denied).toMatchObject({ state: 'state-one', error: 'access_denied', errorDescription: 'User denied consent' });
    expect(denied.code).toBeUndefined();
    expect(denied.url.searchParams.get('error')).toBe('access_denied');
  });

  it('answers 400 to an unknown or missing state and to a replay, delivering nothing', async () => {
    server = await CallbackServer.start();
    expect((await fetch(`${server.redirectUri}?state=nobody&code=x`)).status).toBe(400);
    expect((await fetch(`${server.redirectUri}?code=x`)).status).toBe(400);
    const waiting = server.wait('s1', 5000);
    expect((await fetch(`${server.redirectUri}?state=s1&code=c1`)).status).toBe(200);
    expect((await waiting).code).toBe('c1');
    expect((await fetch(`${server.redirectUri}?state=s1&code=c2`)).status).toBe(400);
    expect(server.unmatched).toBe(3);
    expect((await fetch(server.redirectUri.replace('/callback', '/other'))).status).toBe(404);
  });

  it('keeps a callback that arrives before the wait', async () => {
    server = await CallbackServer.start();
    server.expect('early');
    await fetch(`${server.redirectUri}?state=early&code=c`);
    expect((await server.wait('early', 1000)).code).toBe('c');
  });

  it('times out with ERR_CALLBACK, and a cancelled wait rejects', async () => {
    server = await CallbackServer.start();
    const error = await server.wait('never', 50).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HarnessError);
    expect((error as HarnessError).code).toBe('ERR_CALLBACK');
    const pending = server.wait('dropped', 5000);
    server.cancel('dropped');
    await expect(pending).rejects.toThrow(/abandoned/);
    expect((await fetch(`${server.redirectUri}?state=dropped&code=c`)).status).toBe(400);
  });
});
