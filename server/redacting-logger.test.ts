import { describe, expect, it } from 'vitest';
import { createLogger, redact } from './redacting-logger.ts';

const OPAQUE = 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9fG1hJ3kL5mN7pQ9rS1tU3vW5xY7zA9b';
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

describe('redact', () => {
  it('removes credentials in headers, JWTs, opaque tokens and app passwords', () => {
    expect(redact(`Authorization: Bearer ${OPAQUE}`)).toBe('Authorization: Bearer [redacted]');
    expect(redact('Authorization: Basic YWxpY2U6c2VjcmV0')).toBe('Authorization: Basic [redacted]');
    expect(redact(`token ${JWT} seen`)).toBe('token [redacted] seen');
    expect(redact(`opaque ${OPAQUE}.`)).toBe('opaque [redacted].');
    expect(redact('app password Ab1cD-Ef2gH-Ij3kL-Mn4oP-Qr5sT here')).toBe('app password [redacted] here');
  });

  it('removes values of secret-named keys in JSON and query strings', () => {
    expect(redact('{"password":"hunter2","user":"alice"}')).toBe('{"password":"[redacted]","user":"alice"}');
    expect(redact('client_secret=abc&client_id=x')).toBe('client_secret=[redacted]&client_id=x');
    expect(redact('{"access_token":"short"}')).toBe('{"access_token":"[redacted]"}');
  });

  it('removes registered secrets, also in their JSON-escaped form', () => {
    expect(redact('pw is p"ss\\word!', ['p"ss\\word!'])).toBe('pw is [redacted]');
    expect(redact(JSON.stringify({ note: 'p"ss\\word!' }), ['p"ss\\word!'])).toBe('{"note":"[redacted]"}');
  });

  it('leaves ordinary log content alone', () => {
    const line = '{"msg":"request","method":"POST","path":"/mcp","status":200,"uid":"alice","tokenId":"3f2a9c1b7d6e"}';
    expect(redact(line)).toBe(line);
    const prose = 'Nextcloud answered 401: CORS requires basic auth; the bearer session was logged out; Nextcloud does not accept the token: Could not find provided bearer token.';
    expect(redact(prose)).toBe(prose);
  });
});

describe('createLogger', () => {
  it('writes JSON lines at or above its level, with child fields, never a registered secret', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', write: (l) => lines.push(l) });
    logger.addSecret('my-app-password');
    const child = logger.child({ uid: 'alice' });
    child.debug('hidden');
    child.info('login with my-app-password', { header: `Bearer ${OPAQUE}`, error: Object.assign(new Error('boom'), { code: 'ERR_X' }) });
    logger.error('bad');
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({ level: 'info', msg: 'login with [redacted]', uid: 'alice', header: 'Bearer [redacted]', error: { name: 'Error', message: 'boom', code: 'ERR_X' } });
    expect(lines.join('\n')).not.toContain('my-app-password');
    expect(lines.join('\n')).not.toContain(OPAQUE);
  });

  it('logs nothing when silent', () => {
    const lines: string[] = [];
    createLogger({ level: 'silent', write: (l) => lines.push(l) }).error('x');
    expect(lines).toEqual([]);
  });
});
