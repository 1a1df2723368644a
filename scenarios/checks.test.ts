import { describe, expect, it } from 'vitest';
import { CHECK_IDS, CHECKS, checkGroup, checkOrder, isCheckId } from './checks.ts';

describe('check catalogue', () => {
  it('has stable dotted ids, each with a title, a description and at least one reference', () => {
    expect(CHECK_IDS.length).toBeGreaterThan(40);
    for (const id of CHECK_IDS) {
      expect(id).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/);
      const def = CHECKS[id];
      expect(def.title.length).toBeGreaterThan(3);
      expect(def.description.length).toBeGreaterThan(10);
      expect(def.refs.length).toBeGreaterThan(0);
      for (const ref of def.refs) if (ref.url) expect(ref.url).toMatch(/^https:\/\//);
    }
  });

  it('names the Notes bearer-only checks exactly as the patches module does, and covers every group of issue 6', () => {
    expect(isCheckId('bearer.notes.get')).toBe(true);
    expect(isCheckId('bearer.notes.post')).toBe(true);
    expect(isCheckId('bearer.notes')).toBe(false);
    const groups = new Set(CHECK_IDS.map(checkGroup));
    expect([...groups].sort()).toEqual(['bearer', 'conformance', 'dcr', 'discovery', 'invalid-token', 'login', 'mcp', 'oauth', 'session']);
    const conformance = CHECK_IDS.filter((id) => id.startsWith('conformance.auth.'));
    expect(conformance).toHaveLength(7);
    for (const mcp of ['notes', 'files', 'calendar', 'contacts', 'deck', 'tables']) expect(isCheckId(`mcp.${mcp}.roundtrip`)).toBe(true);
  });

  it('orders checks as the catalogue lists them and puts unknown ids last', () => {
    expect(checkOrder('discovery.openid-configuration')).toBe(0);
    expect(checkOrder('bearer.notes.get')).toBeLessThan(checkOrder('mcp.initialize'));
    expect(checkOrder('no.such.check')).toBe(Number.POSITIVE_INFINITY);
  });

  it('links RFC references to the section', () => {
    const ref = CHECKS['oauth.pkce.missing-verifier'].refs[0]!;
    expect(ref).toEqual({ title: 'RFC 7636 §4.6', url: 'https://www.rfc-editor.org/rfc/rfc7636#section-4.6' });
  });
});
