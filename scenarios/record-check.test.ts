import type { TestInfo } from '@playwright/test';
import { describe, expect, it } from 'vitest';
import { CHECK_ANNOTATION, CHECK_ATTACHMENT, CheckRecordError, declareChecks, normaliseCheckRecord, recordCheck, withChecks } from './record-check.ts';

/** The part of TestInfo that recordCheck and declareChecks use, recording what they do. */
function fakeTestInfo(): { info: TestInfo; attachments: { name: string; body: string; contentType: string }[] } {
  const attachments: { name: string; body: string; contentType: string }[] = [];
  const info = {
    annotations: [] as { type: string; description?: string }[],
    attach: async (name: string, options: { body: string; contentType: string }) => void attachments.push({ name, ...options }),
  };
  return { info: info as unknown as TestInfo, attachments };
}

describe('recordCheck', () => {
  it('attaches one JSON record per call, the same id whether the check passes or fails', async () => {
    const { info, attachments } = fakeTestInfo();
    await recordCheck(info, { id: 'bearer.notes.get', passed: false, observed: { status: 401, message: 'CORS requires basic auth' } });
    await recordCheck(info, { id: 'bearer.notes.get', passed: true, observed: { status: 200 } });
    expect(attachments).toHaveLength(2);
    expect(attachments[0]!.name).toBe(CHECK_ATTACHMENT);
    expect(attachments[0]!.contentType).toBe('application/json');
    expect(JSON.parse(attachments[0]!.body)).toEqual({ v: 1, id: 'bearer.notes.get', passed: false, observed: { status: 401, message: 'CORS requires basic auth' } });
    expect(JSON.parse(attachments[1]!.body).passed).toBe(true);
  });

  it('redacts tokens, secrets and codes from messages and details', () => {
    const token = 'A'.repeat(72);
    const body = normaliseCheckRecord({
      id: 'oauth.userinfo',
      passed: false,
      observed: {
        message: `Bearer ${token} refused; redirect https://app/cb?code=abc123&state=s`,
        detail: { headers: { Authorization: `Bearer ${token}` }, client_secret: 'hunter2', access_token: token, nested: [`access_token=${token}`], code: 'ERR_X' },
      },
    });
    const text = JSON.stringify(body);
    expect(text).not.toContain(token);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('abc123');
    expect(body.observed.message).toBe('Bearer [redacted] refused; redirect https://app/cb?code=[redacted]&state=s');
    expect(body.observed.detail).toEqual({ headers: { Authorization: '[redacted]' }, client_secret: '[redacted]', access_token: '[redacted]', nested: ['access_token=[redacted]'], code: 'ERR_X' });
  });

  it('refuses ids outside the catalogue and malformed records', async () => {
    const { info, attachments } = fakeTestInfo();
    await expect(recordCheck(info, { id: 'bearer.notes.put' as never, passed: true })).rejects.toMatchObject({ code: 'ERR_UNKNOWN_CHECK' });
    expect(() => normaliseCheckRecord({ id: 'oauth.userinfo', passed: 'yes' as never })).toThrow(CheckRecordError);
    expect(() => normaliseCheckRecord({ id: 'oauth.userinfo', passed: true, observed: { status: 2.5 } })).toThrow(/integer/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => normaliseCheckRecord({ id: 'oauth.userinfo', passed: true, observed: { detail: cyclic } })).toThrow(/not JSON data/);
    expect(attachments).toHaveLength(0);
  });

  it('declares checks as annotations, statically or at run time', () => {
    expect(withChecks('bearer.notes.get', 'bearer.notes.post')).toEqual({
      annotation: [
        { type: CHECK_ANNOTATION, description: 'bearer.notes.get' },
        { type: CHECK_ANNOTATION, description: 'bearer.notes.post' },
      ],
    });
    expect(() => withChecks('nope' as never)).toThrow(/unknown check id 'nope'/);
    const { info } = fakeTestInfo();
    declareChecks(info, 'mcp.initialize');
    expect(info.annotations).toEqual([{ type: CHECK_ANNOTATION, description: 'mcp.initialize' }]);
  });
});
