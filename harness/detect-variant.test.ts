import { describe, expect, it } from 'vitest';
import { detectPatch, variantFromStatus } from './detect-variant.ts';
import type { HarnessError } from './harness-error.ts';
import type { OccRunner } from './nextcloud-instance.ts';

/** An occ that answers integrity checks as a signed release does (JSON of the failing files, `[]` when clean). */
function integrityOcc(app: string, core: string, exitCode = 0): OccRunner {
  return async (args) => ({ exitCode: args[0] === 'integrity:check-app' ? (app === '[]' || app === '' ? 0 : 1) : exitCode, stdout: args[0] === 'integrity:check-app' ? app : core, stderr: '' });
}

describe('detectPatch', () => {
  it('finds the user_oidc patch in a failing lib/User/Backend.php', async () => {
    const occ = integrityOcc('{"INVALID_HASH":{"lib/User/Backend.php":{"expected":"a","current":"b"}}}', '[]');
    expect(await detectPatch(occ)).toEqual({ patch: 'user_oidc-app-api', source: 'integrity-check' });
  });

  it('finds the core patch in a failing CORSMiddleware.php', async () => {
    const occ = integrityOcc('[]', '{"INVALID_HASH":{"lib/private/AppFramework/Middleware/Security/CORSMiddleware.php":{"expected":"a","current":"b"}}}', 1);
    expect(await detectPatch(occ)).toEqual({ patch: 'server-cors', source: 'integrity-check' });
  });

  it('says none only when both checks ran clean', async () => {
    expect(await detectPatch(integrityOcc('[]', '[]'))).toEqual({ patch: 'none', source: 'integrity-check' });
    expect(await detectPatch(integrityOcc('{"EXTRA_FILE":{"lib/Other.php":{}}}', '[]'))).toEqual({ patch: 'none', source: 'integrity-check' });
  });

  it('says unknown when a check did not run (no signature) or occ lacks it', async () => {
    expect(await detectPatch(integrityOcc('', '[]'))).toEqual({ patch: 'unknown', source: 'unknown' });
    const noCommand: OccRunner = async () => ({ exitCode: 1, stdout: '', stderr: 'Command "integrity:check-app" is not defined.' });
    expect(await detectPatch(noCommand)).toEqual({ patch: 'unknown', source: 'unknown' });
  });
});

describe('variantFromStatus', () => {
  const status = { installed: true, maintenance: false, needsDbUpgrade: false, version: '34.0.1.2', versionstring: '34.0.1', productname: 'Nextcloud' };

  it('reads versions from status.php and the app list, enabled or not', () => {
    expect(variantFromStatus('http://x', status, { enabled: { user_oidc: '8.10.1' }, disabled: { oidc: '2.0.9' } })).toEqual({ nextcloud: '34.0.1', nextcloudMajor: 34, oidc: '2.0.9', userOidc: '8.10.1', isDouble: false });
  });

  it('names a missing app and how to install it', () => {
    const error = (() => {
      try {
        variantFromStatus('http://x', status, { enabled: { oidc: '2.0.9' }, disabled: {} });
      } catch (e) {
        return e;
      }
    })() as HarnessError;
    expect(error.code).toBe('ERR_APP_MISSING');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('the user_oidc app is not installed on http://x: install it (occ app:install user_oidc) and run again');
  });
});
