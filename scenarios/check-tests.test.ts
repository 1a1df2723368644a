import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { declaredCheckTests, grepForTests, SPECS_DIR, testsDeclaring } from './check-tests.ts';
import { CHECK_IDS } from './checks.ts';

describe('declaredCheckTests', () => {
  const tests = declaredCheckTests();

  it('finds every withChecks declaration of the scenario files', () => {
    const declarations = readdirSync(SPECS_DIR)
      .filter((f) => f.endsWith('.spec.ts'))
      .map((f) => readFileSync(join(SPECS_DIR, f), 'utf8').split('withChecks(').length - 1)
      .reduce((a, b) => a + b, 0);
    expect(tests.length).toBe(declarations);
    expect(tests.length).toBeGreaterThan(20);
  });

  it('reads titles, lines and check ids, also of a declaration over several lines', () => {
    expect(tests).toContainEqual({ title: 'discovery document and PKCE advertisement', file: 'discovery.spec.ts', line: 10, checks: ['discovery.openid-configuration', 'discovery.pkce-advertised'] });
    const conformance = tests.find((t) => t.file === 'conformance.spec.ts')!;
    expect(conformance.checks).toContain('conformance.auth.as-grant-types');
    expect(conformance.checks.length).toBe(7);
  });

  it('gives every check of the catalogue a test that declares it', () => {
    const declared = new Set(tests.flatMap((t) => t.checks));
    expect(CHECK_IDS.filter((id) => !declared.has(id))).toEqual([]);
  });

  it('reads a synthetic file: escaped quotes, double quotes, unknown ids left out', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-specs-'));
    try {
      writeFileSync(join(dir, 'x.spec.ts'), "test('it\\'s fine', withChecks('oauth.userinfo'), async () => {});\n\ntest(\"two\", withChecks(\n  'oauth.introspection',\n  'no.such.check',\n), async () => {});\n");
      expect(declaredCheckTests(dir)).toEqual([
        { title: "it's fine", file: 'x.spec.ts', line: 1, checks: ['oauth.userinfo'] },
        { title: 'two', file: 'x.spec.ts', line: 3, checks: ['oauth.introspection'] },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('grepForTests', () => {
  it('matches the title path of the tests that declare a check and no other test', () => {
    const tests = declaredCheckTests();
    const grep = new RegExp(grepForTests(testsDeclaring('oauth.code-reuse.revokes-tokens', tests)));
    const path = (t: { title: string }): string => `nc34-oidc2.0.9-uo8.10.1-none-hdr matrix.list.ts oauth ${t.title}`;
    expect(tests.filter((t) => grep.test(path(t))).map((t) => t.title)).toEqual(['authorization code reuse']);
    expect(grep.test(`${path({ title: 'authorization code reuse' })} @slow`)).toBe(true);
    // "browser login with consent page" is not matched by the grep of "... without consent page"
    const login = new RegExp(grepForTests(testsDeclaring('login.browser.consent', tests)));
    expect(tests.filter((t) => login.test(path(t))).map((t) => t.title)).toEqual(['browser login with consent page']);
  });

  it('escapes regular expression characters of titles', () => {
    expect(new RegExp(grepForTests([{ title: 'a (b) c?', file: 'f', line: 1, checks: [] }])).test('p f a (b) c?')).toBe(true);
  });
});
