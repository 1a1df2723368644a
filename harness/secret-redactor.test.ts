import { describe, expect, it } from 'vitest';
import { REDACTED, SecretRedactor } from './secret-redactor.ts';

describe('SecretRedactor', () => {
  it('replaces registered secrets wherever they appear, also URL-encoded', () => {
    const r = new SecretRedactor().add('s3cret pass/word', 'tok', undefined);
    expect(r.redact('pw=s3cret pass/word and s3cret%20pass%2Fword; tok stays (too short)')).toBe(`pw=${REDACTED} and ${REDACTED}; tok stays (too short)`);
    expect(r.leaks('xx s3cret pass/word')).toBe(true);
    expect(r.leaks('nothing here')).toBe(false);
  });

  it('replaces secret-carrying parameters it was never told about', () => {
    const r = new SecretRedactor();
    expect(r.redact('http://127.0.0.1:1/callback?state=abc&code=XYZ123&x=1')).toBe(`http://127.0.0.1:1/callback?state=abc&code=${REDACTED}&x=1`);
    expect(r.redact('Authorization: Bearer eyJ.abc.def')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(r.redact('{"access_token":"aaa","refresh_token": "bbb","scope":"openid"}')).toBe(`{"access_token":"${REDACTED}","refresh_token": "${REDACTED}","scope":"openid"}`);
    expect(r.redact('grant_type=authorization_code&code=abc&code_verifier=def&client_secret=ghi')).toBe(`grant_type=authorization_code&code=${REDACTED}&code_verifier=${REDACTED}&client_secret=${REDACTED}`);
    expect(r.redact('/login?redirect_url=%2Fcb%3Fcode%3Dsecretcode%26state%3Ds')).toBe(`/login?redirect_url=%2Fcb%3Fcode%3D${REDACTED}%26state%3Ds`);
  });

  it('leaves ordinary text alone', () => {
    expect(new SecretRedactor().redact('the code exchange answered 400 invalid_grant')).toBe('the code exchange answered 400 invalid_grant');
    expect(new SecretRedactor().redact('401 CORS requires basic auth')).toBe('401 CORS requires basic auth');
    expect(new SecretRedactor().redact('WWW-Authenticate: Bearer resource_metadata="http://x"')).toBe('WWW-Authenticate: Bearer resource_metadata="http://x"');
  });
});
