import { describe, expect, it } from 'vitest';
import { appAbsence, checkAppVersions, checkSkipReason } from './check-apps.ts';
import { CHECK_IDS, checkApps } from './checks.ts';

const apps = { enabled: { notes: '4.12.3', oidc: '1.16.6' }, disabled: { deck: '1.15.0' } };

describe('the apps a check needs', () => {
  it('says why an app cannot be used', () => {
    expect(appAbsence('notes', apps)).toBeUndefined();
    expect(appAbsence('deck', apps)).toBe('Deck is disabled');
    expect(appAbsence('tables', apps)).toBe('Tables is not installed');
  });

  it('skips exactly the checks whose app is missing or disabled', () => {
    expect(checkSkipReason('mcp.deck.roundtrip', apps)).toBe('Deck is disabled (app deck): mcp.deck.roundtrip is not measured on this instance');
    expect(checkSkipReason('mcp.tables.roundtrip', apps)).toMatch(/^Tables is not installed/);
    expect(checkSkipReason('session.twofactor-enforced', apps)).toMatch(/^Two-factor backup codes is not installed/);
    expect(checkSkipReason('bearer.notes.get', apps)).toBeUndefined();
    expect(checkSkipReason('bearer.notes.get', { enabled: {}, disabled: {} })).toMatch(/^Notes is not installed/);
    const skipped = CHECK_IDS.filter((id) => checkSkipReason(id, { enabled: {}, disabled: {} }) !== undefined);
    expect(skipped).toEqual(CHECK_IDS.filter((id) => checkApps(id).length > 0));
    expect(skipped).not.toContain('mcp.calendar.roundtrip');
    expect(skipped).not.toContain('bearer.dav.files.propfind');
  });

  it('records the versions of the apps the checks use, null when absent or disabled', () => {
    expect(checkAppVersions(apps)).toEqual({ notes: '4.12.3', deck: null, tables: null, twofactor_backupcodes: null });
  });
});
