import { describe, expect, it } from 'vitest';
import type { CheckId } from '../checks.ts';
import type { Variant } from '../variant.ts';
import { describeExpectedFailure, expectedOutcome, failsAsExpected, type ExpectationSet } from './expected-outcome.ts';
import { loadExpectations } from './lint-expectations.ts';

const data: ExpectationSet = loadExpectations();
const base: Variant = { nextcloud: 32, oidc: '1.16.6', userOidc: '8.10.1', patch: 'none', ocsHeader: false };

/** The expected outcome of a check of the shipped data for a variant differing from `base` by `v`. */
function expect_(check: CheckId, v: Partial<Variant> = {}): 'pass' | 'fail' | 'unknown' {
  return expectedOutcome(data, check, { variant: { ...base, ...v }, mcpServer: '0.1.0' }).outcome;
}

function reasons(check: CheckId, v: Partial<Variant> = {}): { when: string; impl_url?: string }[] {
  return expectedOutcome(data, check, { variant: { ...base, ...v }, mcpServer: '0.1.0' }).reasons.map((r) => ({ when: r.when, ...(r.impl_url ? { impl_url: r.impl_url } : {}) }));
}

describe('the expectations data expresses the facts page', () => {
  it('Notes with Bearer only works iff user_oidc-app-api or server-cors, whatever the MCP header', () => {
    for (const check of ['bearer.notes.get', 'bearer.notes.post'] as const) {
      expect(expect_(check)).toBe('fail');
      expect(expect_(check, { ocsHeader: true })).toBe('fail');
      expect(expect_(check, { patch: 'user_oidc-app-api' })).toBe('pass');
      expect(expect_(check, { patch: 'server-cors', nextcloud: 34, oidc: '2.0.9' })).toBe('pass');
    }
    expect(reasons('bearer.notes.get')).toEqual([
      { when: 'Nextcloud never, with patch none', impl_url: 'https://github.com/nextcloud/user_oidc/pull/1221' },
      { when: 'Nextcloud every version, with patch user_oidc-app-api', impl_url: 'https://github.com/nextcloud/user_oidc/pull/1221' },
      { when: 'Nextcloud every version, with patch server-cors', impl_url: 'https://github.com/nextcloud/server/pull/55878' },
    ]);
  });

  it('Notes with Bearer + OCS-APIRequest works on Nextcloud >= 31 unpatched', () => {
    expect(expect_('bearer.notes.ocs-header.get', { nextcloud: 31 })).toBe('pass');
    expect(expect_('bearer.notes.ocs-header.post', { nextcloud: 34, oidc: '2.0.9' })).toBe('pass');
  });

  it('the MCP Notes, Deck and Tables round trips work iff patched or the MCP server sends the header on NC >= 31', () => {
    for (const check of ['mcp.notes.roundtrip', 'mcp.deck.roundtrip', 'mcp.tables.roundtrip'] as const) {
      expect(expect_(check)).toBe('fail');
      expect(expect_(check, { ocsHeader: true })).toBe('pass');
      expect(expect_(check, { patch: 'server-cors' })).toBe('pass');
      expect(expect_(check, { patch: 'user_oidc-app-api', ocsHeader: false })).toBe('pass');
    }
    expect(reasons('mcp.notes.roundtrip').map((r) => r.when)).toEqual([
      'Nextcloud never, with patch none, when the MCP server sends no OCS-APIRequest',
      'Nextcloud >= 31, when the MCP server sends OCS-APIRequest',
      'Nextcloud every version, with patch user_oidc-app-api',
      'Nextcloud every version, with patch server-cors',
    ]);
    // DAV and OCS never go through CORSMiddleware
    expect(expect_('mcp.files.roundtrip')).toBe('pass');
    expect(expect_('mcp.calendar.roundtrip')).toBe('pass');
    expect(expect_('bearer.dav.files.propfind')).toBe('pass');
    expect(expect_('bearer.ocs.user')).toBe('pass');
  });

  it('bearer fails for user_oidc < 7.0, and for 7.3.2 on Nextcloud <= 31 only', () => {
    expect(expect_('bearer.ocs.user', { nextcloud: 31, userOidc: '6.3.1' })).toBe('fail');
    expect(reasons('bearer.ocs.user', { nextcloud: 31, userOidc: '6.3.1' })).toEqual([
      { when: 'user_oidc never, with user_oidc 5.0.0 to before 7.0.0', impl_url: 'https://github.com/nextcloud/user_oidc/pull/1040' },
    ]);
    expect(expect_('bearer.ocs.user', { nextcloud: 31, userOidc: '7.0.0' })).toBe('pass');
    expect(expect_('bearer.ocs.user', { nextcloud: 31, userOidc: '7.3.2' })).toBe('fail');
    expect(reasons('bearer.ocs.user', { nextcloud: 31, userOidc: '7.3.2' })[0]).toEqual({
      when: 'user_oidc 7.3.2 to before 7.4.0, with Nextcloud >= 32',
      impl_url: 'https://github.com/nextcloud/user_oidc/pull/1168',
    });
    expect(expect_('bearer.ocs.user', { nextcloud: 32, userOidc: '7.3.2' })).toBe('pass');
    expect(expect_('bearer.ocs.user', { nextcloud: 31, userOidc: '7.4.0' })).toBe('pass');
    // a patched variant still needs a user_oidc that accepts the token
    expect(expect_('bearer.notes.get', { nextcloud: 31, userOidc: '7.3.2', patch: 'user_oidc-app-api' })).toBe('fail');
  });

  it('PKCE from oidc 1.10, introspection and RFC 7592 from 1.11, offline_access from 1.12, code reuse revocation from 2.0.0, client_secret_basic in every release', () => {
    const old = { oidc: '1.8.5' };
    expect(expect_('discovery.pkce-advertised', old)).toBe('fail');
    expect(expect_('oauth.pkce.missing-verifier', old)).toBe('fail');
    expect(expect_('oauth.pkce.s256', old)).toBe('pass');
    expect(expect_('oauth.pkce.wrong-verifier', { oidc: '1.10.0' })).toBe('pass');
    expect(expect_('conformance.auth.as-pkce-support', old)).toBe('fail');
    expect(expect_('oauth.introspection', { oidc: '1.10.0' })).toBe('fail');
    expect(expect_('oauth.introspection', { oidc: '1.11.0' })).toBe('pass');
    expect(expect_('dcr.delete', { oidc: '1.10.0' })).toBe('fail');
    expect(expect_('oauth.refresh.requires-offline-access', { oidc: '1.11.0' })).toBe('fail');
    expect(expect_('oauth.refresh.requires-offline-access', { oidc: '1.12.0' })).toBe('pass');
    expect(expect_('oauth.refresh.offline-access', { oidc: '1.11.0' })).toBe('pass');
    expect(expect_('oauth.code-reuse.revokes-tokens')).toBe('fail');
    expect(expect_('oauth.code-reuse.revokes-tokens', { nextcloud: 34, oidc: '2.0.0' })).toBe('pass');
    expect(expect_('oauth.code-reuse.rejected')).toBe('pass');
    // observed on 1.16.6 (NC 32.0.1); from code since 0.8.0 (BasicAuthBackend)
    expect(expect_('oauth.token.client-secret-basic')).toBe('pass');
    expect(expect_('oauth.token.client-secret-basic', old)).toBe('pass');
    expect(expect_('oauth.token.client-secret-basic', { nextcloud: 34, oidc: '2.0.7' })).toBe('pass');
    expect(expect_('oauth.token.client-secret-basic', { nextcloud: 34, oidc: '2.0.9' })).toBe('pass');
  });

  it('consent from oidc 1.11, broken on 1.16.2 and fixed in 1.16.3, each with its link', () => {
    expect(expect_('login.browser.consent', { oidc: '1.10.0' })).toBe('fail');
    expect(expect_('login.browser.consent', { oidc: '1.11.0' })).toBe('pass');
    expect(expect_('login.browser.consent', { oidc: '1.16.1' })).toBe('pass');
    expect(expect_('login.browser.consent', { oidc: '1.16.2' })).toBe('fail');
    expect(reasons('login.browser.consent', { oidc: '1.16.2' })).toEqual([
      { when: 'oidc never, with oidc 1.16.2 to before 1.16.3', impl_url: 'https://github.com/H2CK/oidc/issues/628' },
    ]);
    expect(reasons('login.browser.consent', { oidc: '1.10.0' })[0]!.impl_url).toBe('https://github.com/H2CK/oidc/pull/586');
    expect(expect_('login.browser.consent', { oidc: '1.16.3' })).toBe('pass');
    expect(expect_('login.browser.no-consent', { oidc: '1.16.2' })).toBe('pass');
  });

  it('the session of a bearer request keeps working on the oidc-app path in every user_oidc, and the 2FA side effect of the user_oidc patch', () => {
    // observed on NC 32.0.1 with 8.10.1; the 8.7.0-8.10.1 regression (nextcloud/user_oidc#1452) needs a registered provider with check_bearer
    for (const userOidc of ['7.0.0', '8.6.1', '8.7.0', '8.10.1']) {
      expect(expect_('session.cookie-after-bearer', { userOidc }), userOidc).toBe('pass');
      expect(expect_('session.getapppassword-after-bearer', { userOidc }), userOidc).toBe('pass');
    }
    expect(reasons('session.getapppassword-after-bearer').map((r) => r.impl_url)).toContain('https://github.com/nextcloud/user_oidc/blob/v8.10.1/lib/User/Backend.php#L279-L289');
    // a session check still needs a bearer request that Nextcloud accepts
    expect(expect_('session.cookie-after-bearer', { nextcloud: 31, userOidc: '6.3.1' })).toBe('fail');
    expect(expect_('session.twofactor-enforced')).toBe('pass');
    expect(expect_('session.twofactor-enforced', { patch: 'server-cors' })).toBe('pass');
    expect(expect_('session.twofactor-enforced', { patch: 'user_oidc-app-api' })).toBe('fail');
  });

  it('is unknown for a check without data, and evaluates its rules on hand-made data', () => {
    const set: ExpectationSet = {
      checks: new Map([
        [
          'mcp.initialize',
          {
            support: [
              { component: 'mcp_server', version_added: '0.2.0', notes: 'from 0.2.0' },
              { component: 'nextcloud', version_added: '33', notes: 'needs 33' },
            ],
          },
        ],
      ]),
      conditions: new Map(),
    };
    const ctx = (mcpServer: string, nextcloud: 32 | 33): Parameters<typeof expectedOutcome>[2] => ({ variant: { ...base, nextcloud }, mcpServer });
    // AND across components
    expect(expectedOutcome(set, 'mcp.initialize', ctx('0.2.0', 33)).outcome).toBe('pass');
    expect(expectedOutcome(set, 'mcp.initialize', ctx('0.1.0', 33)).outcome).toBe('fail');
    expect(expectedOutcome(set, 'mcp.initialize', ctx('0.2.0', 32)).outcome).toBe('fail');
    expect(expectedOutcome(set, 'mcp.tools.list', ctx('0.2.0', 33))).toEqual({ outcome: 'unknown', reasons: [] });
    expect(() => expectedOutcome({ checks: new Map([['mcp.initialize', { include: ['x'], support: [] }]]), conditions: new Map() }, 'mcp.initialize', ctx('0.1.0', 32))).toThrow(
      /includes unknown condition 'x'/,
    );
  });
});

describe('failsAsExpected', () => {
  const cors = { fails_with: { status: 401, message: 'CORS requires basic auth' } };
  it('matches the status and the message text the data gives', () => {
    expect(failsAsExpected({ status: 401, message: 'CORS requires basic auth' }, [cors])).toBe(true);
    expect(failsAsExpected({ status: 401, message: 'notes_create: CORS requires basic auth' }, [cors])).toBe(true);
    expect(failsAsExpected({ status: 404, message: 'CORS requires basic auth' }, [cors])).toBe(false);
    expect(failsAsExpected({ status: 401, message: 'Current user is not logged in' }, [cors])).toBe(false);
    expect(failsAsExpected({ message: 'CORS requires basic auth' }, [cors])).toBe(false);
  });
  it('matches the status alone where the data gives no message, any of several reasons, and anything where no reason says', () => {
    expect(failsAsExpected({ status: 200, message: 'whatever' }, [{ fails_with: { status: 200 } }])).toBe(true);
    expect(failsAsExpected({ status: 403 }, [{ fails_with: { status: 401 } }, { fails_with: { status: 403 } }, {}])).toBe(true);
    expect(failsAsExpected({ status: 500 }, [{}, {}])).toBe(true);
    expect(describeExpectedFailure([cors, { fails_with: { status: 403 } }, cors])).toBe('401 "CORS requires basic auth" or 403');
  });
  it('carries fails_with of the shipped data into the reasons of an expected failure', () => {
    const set = loadExpectations();
    const deck = expectedOutcome(set, 'mcp.deck.roundtrip', { variant: { nextcloud: 32, oidc: '1.16.6', userOidc: '8.10.1', patch: 'none', ocsHeader: false }, mcpServer: '0.1.0' });
    expect(deck.outcome).toBe('fail');
    expect(failsAsExpected({ status: 404, message: 'deck_board_create: Nextcloud answered 404 to POST /index.php/apps/deck/api/v1.0/boards' }, deck.reasons)).toBe(false);
    expect(failsAsExpected({ status: 401, message: 'deck_board_create: CORS requires basic auth' }, deck.reasons)).toBe(true);
  });
});
