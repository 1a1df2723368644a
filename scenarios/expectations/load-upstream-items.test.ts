import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHECK_IDS } from '../checks.ts';
import { lintUpstreamItems, loadUpstreamItems } from './load-upstream-items.ts';
import { UPSTREAM_JSON_SCHEMA_PATH, upstreamJsonSchemaText } from './upstream-json-schema.ts';

const item = {
  ref: 'nextcloud/user_oidc#1221',
  url: 'https://github.com/nextcloud/user_oidc/pull/1221',
  title: 't',
  component: 'user_oidc',
  state: { status: 'open', checked: '2026-12-02' },
  fixes: ['bearer.notes.get'],
  workarounds: [{ patch: 'user_oidc-app-api', sideEffects: [{ description: 'd', checks: ['session.twofactor-enforced'] }] }],
};

const lint = (items: unknown[]): string[] => lintUpstreamItems([{ file: 'x.json', data: { items } }]).problems.map((p) => `${p.path}: ${p.message}`);

describe('upstream items', () => {
  it('the shipped items are clean and cite what the expectations cite', () => {
    const refs = loadUpstreamItems().map((i) => i.ref);
    for (const r of ['nextcloud/user_oidc#1221', 'nextcloud/server#55878', 'H2CK/oidc#584', 'nextcloud/user_oidc#1452', 'nextcloud/user_oidc#1486', 'nextcloud/server#46760', 'H2CK/oidc#685', 'H2CK/oidc#656']) {
      expect(refs).toContain(r);
    }
  });

  it('the JSON Schema for editors is current and offers the check ids and patch ids', () => {
    expect(readFileSync(UPSTREAM_JSON_SCHEMA_PATH, 'utf8')).toBe(upstreamJsonSchemaText());
    const text = upstreamJsonSchemaText();
    expect(text.match(/"enum": \[\s*"discovery\.openid-configuration"/g)?.length).toBe(5); // an item's fixes; per workaround kind (patch, header) its fixes and its side effects' checks
    expect(JSON.parse(text).properties.items.items.properties.fixes.items.enum).toEqual([...CHECK_IDS]);
    expect(text).toMatch(/"enum": \[\s*"user_oidc-app-api",\s*"server-cors"\s*\]/);
  });

  it('accepts a well-formed item', () => {
    expect(lint([item])).toEqual([]);
  });

  it('rejects unknown checks and patches, a url of another ref, a released item without version, duplicates', () => {
    expect(lint([{ ...item, fixes: ['bearer.nope'] }])).toEqual(["items[0].fixes[0]: unknown check 'bearer.nope': it is not in scenarios/checks.ts"]);
    expect(lint([{ ...item, workarounds: [{ patch: 'nope' }] }])[0]).toMatch(/^items\[0\]\.workarounds\[0\]\.patch: unknown patch 'nope'/);
    expect(lint([{ ...item, url: 'https://github.com/nextcloud/user_oidc/pull/1222' }])).toEqual([
      'items[0].url: url https://github.com/nextcloud/user_oidc/pull/1222 is not the GitHub pull request or issue nextcloud/user_oidc#1221',
    ]);
    expect(lint([{ ...item, state: { status: 'released', checked: '2026-12-02' } }])).toEqual(['items[0].state.version: a released item needs the version it was released in']);
    expect(lint([{ ...item, state: { status: 'open', checked: 'yesterday' } }])).toEqual(['items[0].state.checked: checked must be a date such as 2026-12-02']);
    expect(lint([item, item])).toContain('items[1].ref: nextcloud/user_oidc#1221 is already listed in x.json');
    expect(lint([{ ...item, workarounds: [{ header: 'OCS-APIRequest', fixes: ['bearer.notes.post'] }] }])).toEqual(["items[0].workarounds[0].fixes[0]: 'bearer.notes.post' is not one of the item's fixes"]);
    expect(lint([{ ...item, workarounds: [{ ...item.workarounds[0], sideEffects: [{ description: 'd', checks: ['x.y'] }] }] }])).toEqual([
      "items[0].workarounds[0].sideEffects[0].checks[0]: unknown check 'x.y': it is not in scenarios/checks.ts",
    ]);
  });
});
