import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHECK_IDS } from '../checks.ts';
import { ExpectationsError } from './expectations-error.ts';
import { EXPECTATIONS_JSON_SCHEMA_PATH, expectationsJsonSchemaText } from './expectations-json-schema.ts';
import { lintExpectations, loadExpectations, readExpectationFiles, type RawExpectationsFile } from './lint-expectations.ts';

const statement = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ component: 'oidc', version_added: '1.11.0', notes: 'why', ...extra });
const file = (data: unknown, name = 'x.json'): RawExpectationsFile => ({ file: name, data });
const checks = (entries: Record<string, unknown>, extra: Record<string, unknown> = {}): RawExpectationsFile => file({ checks: entries, ...extra });

/** The problems of one file, as `path: message`. */
function problems(...files: RawExpectationsFile[]): string[] {
  return lintExpectations(files).problems.map((p) => `${p.path}: ${p.message}`);
}

describe('the shipped expectations data', () => {
  it('passes the lint and has data for every check of the catalogue', () => {
    const { problems: found, set } = lintExpectations(readExpectationFiles());
    expect(found).toEqual([]);
    expect(CHECK_IDS.filter((id) => !set.checks.has(id))).toEqual([]);
    expect(loadExpectations().checks.size).toBe(CHECK_IDS.length);
  });

  it('points every file at the JSON Schema for editors, which is current (npm run lint:expectations -- --write-schema)', () => {
    for (const f of readExpectationFiles()) expect((f.data as { $schema?: string }).$schema, f.file).toBe('./schema/expectations.schema.json');
    expect(readFileSync(EXPECTATIONS_JSON_SCHEMA_PATH, 'utf8')).toBe(expectationsJsonSchemaText());
    const schema = JSON.parse(expectationsJsonSchemaText()) as { properties: { checks: { propertyNames: { enum: string[] } } } };
    expect(schema.properties.checks.propertyNames.enum).toEqual([...CHECK_IDS]);
    expect(expectationsJsonSchemaText().match(/"enum": \[\s*"none",\s*"user_oidc-app-api",\s*"server-cors"\s*\]/g)).toHaveLength(2);
  });
});

describe('lintExpectations rejects', () => {
  it('a clean file: nothing', () => {
    expect(problems(checks({ 'oauth.introspection': { support: [statement()] } }))).toEqual([]);
  });

  it('schema errors: unknown component, unknown field (a typo), missing notes, non-https impl_url', () => {
    expect(problems(checks({ 'oauth.introspection': { support: [statement({ component: 'nextcloud_server' })] } }))[0]).toMatch(
      /^checks\["oauth\.introspection"\]\.support\[0\]\.component: Invalid option: expected one of "nextcloud"\|"oidc"\|"user_oidc"\|"mcp_server"/,
    );
    expect(problems(checks({ 'oauth.introspection': { support: [statement({ version_add: '1.0.0' })] } }))[0]).toMatch(/support\[0\]: Unrecognized key: "version_add"/);
    expect(problems(checks({ 'oauth.introspection': { support: [statement({ notes: '' })] } }))).toEqual(['checks["oauth.introspection"].support[0].notes: notes must say why']);
    expect(problems(checks({ 'oauth.introspection': { support: [statement({ impl_url: 'http://example.org/x' })] } }))).toEqual([
      'checks["oauth.introspection"].support[0].impl_url: impl_url must be an https URL',
    ]);
    expect(problems(file([1, 2]))[0]).toMatch(/^: Invalid input: expected object/);
  });

  it('unknown checks', () => {
    expect(problems(checks({ 'oauth.introspect': { support: [statement()] } }))).toEqual(['checks["oauth.introspect"]: unknown check \'oauth.introspect\': it is not in scenarios/checks.ts']);
  });

  it('unknown patches', () => {
    expect(problems(checks({ 'bearer.notes.get': { support: [statement({ patches: ['user_oidc-appapi'], impl_url: 'https://github.com/nextcloud/user_oidc/pull/1221' })] } }))).toEqual([
      'checks["bearer.notes.get"].support[0].patches[0]: unknown patch \'user_oidc-appapi\': use one of none, user_oidc-app-api, server-cors',
    ]);
  });

  it('versions that do not parse or lie outside the known releases', () => {
    expect(problems(checks({ 'oauth.introspection': { support: [statement({ version_added: '1.11' })] } }))).toEqual([
      'checks["oauth.introspection"].support[0].version_added: oidc version \'1.11\' is not of the form 1.10.0',
    ]);
    expect(problems(checks({ 'oauth.introspection': { support: [statement({ version_added: '3.0.0' })] } }))[0]).toMatch(/oidc 3\.0\.0 is outside the known releases \(1\.8\.0-1\.8\.99, 1\.9\.0/);
    expect(problems(checks({ 'session.cookie-after-bearer': { support: [statement({ component: 'user_oidc', version_added: '4.0.0' })] } }))[0]).toMatch(/user_oidc 4\.0\.0 is outside the known releases/);
    expect(problems(checks({ 'bearer.ocs.user': { support: [statement({ component: 'nextcloud', version_added: '30' })] } }))).toEqual([
      'checks["bearer.ocs.user"].support[0].version_added: Nextcloud 30 is not a known major (31, 32, 33, 34, 35)',
    ]);
    expect(problems(checks({ 'bearer.ocs.user': { support: [statement({ component: 'nextcloud', version_added: '32.0.1' })] } }))[0]).toMatch(/Nextcloud versions are majors such as "32"/);
    expect(problems(checks({ 'mcp.initialize': { support: [statement({ component: 'mcp_server', version_added: '99.0.0' })] } }))[0]).toMatch(/mcp_server 99\.0\.0 is newer than this tool/);
    expect(
      problems(checks({ 'bearer.ocs.user': { support: [statement({ component: 'nextcloud', version_added: true, requires: { user_oidc: { version_added: '7.0' } } })] } })),
    ).toEqual(['checks["bearer.ocs.user"].support[0].requires.user_oidc.version_added: user_oidc version \'7.0\' is not of the form 1.10.0']);
  });

  it('version_removed not after version_added, or with version_added false', () => {
    const url = 'https://github.com/H2CK/oidc/pull/584';
    expect(problems(checks({ 'oauth.introspection': { support: [statement({ version_removed: '1.11.0', impl_url: url })] } }))).toEqual([
      'checks["oauth.introspection"].support[0].version_removed: version_removed 1.11.0 must come after version_added 1.11.0',
    ]);
    expect(problems(checks({ 'oauth.introspection': { support: [statement({ version_added: false, version_removed: '1.12.0', impl_url: url })] } }))).toEqual([
      'checks["oauth.introspection"].support[0].version_removed: version_removed makes no sense with version_added: false',
    ]);
  });

  it('statements about a failure, a removal or a patch without their upstream link, and GitHub links that are not a PR or issue', () => {
    expect(problems(checks({ 'oauth.introspection': { support: [statement({ version_added: false })] } }))).toEqual([
      'checks["oauth.introspection"].support[0].impl_url: a statement about a failure, a removal or a patch needs impl_url: the upstream PR or issue that explains it',
    ]);
    expect(problems(checks({ 'oauth.introspection': { support: [statement({ impl_url: 'https://github.com/H2CK/oidc' })] } }))).toEqual([
      'checks["oauth.introspection"].support[0].impl_url: \'https://github.com/H2CK/oidc\' is not a GitHub PR, issue, release or commit URL',
    ]);
  });

  it('unknown and unused conditions, empty entries, checks defined twice, files that are not JSON', () => {
    expect(problems(checks({ 'bearer.ocs.user': { include: ['bearer-ok'] } }))).toEqual(['checks["bearer.ocs.user"].include[0]: unknown condition \'bearer-ok\': define it under "conditions"']);
    expect(problems(file({ conditions: { spare: { description: 'd', support: [statement()] } } }))).toEqual(['conditions.spare: condition \'spare\' is not included by any check']);
    expect(problems(checks({ 'bearer.ocs.user': {} }))).toEqual(['checks["bearer.ocs.user"]: no support statements and no include: say where the check passes']);
    expect(problems(checks({ 'oauth.introspection': { support: [statement()] } }, {}), { ...checks({ 'oauth.introspection': { support: [statement()] } }), file: 'y.json' })).toEqual([
      'checks["oauth.introspection"]: check \'oauth.introspection\' is already defined in x.json',
    ]);
    expect(lintExpectations([{ file: 'broken.json', parseError: 'Unexpected token' }]).problems).toEqual([{ file: 'broken.json', path: '', message: 'not valid JSON: Unexpected token' }]);
  });
});

describe('loadExpectations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-expectations-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('throws an ExpectationsError naming the first problem and listing all', () => {
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ checks: { 'oauth.introspect': { support: [statement()] }, 'oauth.userinfo': { support: [statement({ version_added: 'x' })] } } }));
    writeFileSync(join(dir, 'b.json'), '{ not json');
    try {
      loadExpectations(dir);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ExpectationsError);
      const e = error as ExpectationsError;
      expect(e.code).toBe('ERR_EXPECTATIONS');
      expect(e.problems).toHaveLength(3);
      expect(e.message).toMatch(/^3 problem\(s\) in the expectations in .*: a\.json: checks\["oauth\.introspect"\]: unknown check/);
    }
  });

  it('refuses a directory without data or that does not exist', () => {
    const empty = mkdtempSync(join(dir, 'empty-'));
    expect(() => loadExpectations(empty)).toThrow(/no expectations \(\*\.json\) in/);
    expect(() => loadExpectations(join(dir, 'missing'))).toThrow(/cannot read the expectations directory/);
  });
});
