import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { evaluatePatch, lintPhp, userOidcAppApiPatch, type PatchOutcome } from './index.ts';

const HAS_PHP = spawnSync('php', ['--version'], { stdio: 'ignore' }).status === 0;
const SET = "$this->session->set('app_api', true); // nc-oauth-lab:user_oidc-app-api (nextcloud/user_oidc#1221)";

/** A synthetic Backend whose getCurrentUserId() body is `body` (tab-indented two levels). */
function backend(body: string, before = ''): string {
  return `<?php\n${before}namespace OCA\\FixtureUserOidc\\User;\n\nclass Backend {\n\tpublic function getCurrentUserId(): string {\n${body}\t}\n}\n`;
}

function run(source: string, version = '8.10.1'): PatchOutcome {
  return evaluatePatch(userOidcAppApiPatch, version, `user_oidc ${version}`, source);
}

function applied(source: string): Extract<PatchOutcome, { code: 'applied' }> {
  const outcome = run(source);
  if (outcome.code !== 'applied') throw new Error(`expected applied, got ${outcome.code}: ${JSON.stringify(outcome)}`);
  return outcome;
}

const BASIC = [
  '\t\t$oidcProviderUserId = $this->validate();',
  '\t\tif ($oidcProviderUserId !== null) {',
  '\t\t\treturn $oidcProviderUserId;',
  '\t\t}',
  "\t\t$this->session->set('last-password-confirm', 1);",
  '\t\treturn $this->uid;',
  '',
].join('\n');

describe('user_oidc-app-api transform', () => {
  it('inserts before the return and after the last-password-confirm statement, in the file\'s indentation', () => {
    const outcome = applied(backend(BASIC));
    expect(outcome.patched).toBe(backend([
      '\t\t$oidcProviderUserId = $this->validate();',
      '\t\tif ($oidcProviderUserId !== null) {',
      `\t\t\t${SET}`,
      '\t\t\treturn $oidcProviderUserId;',
      '\t\t}',
      "\t\t$this->session->set('last-password-confirm', 1);",
      `\t\t${SET}`,
      '\t\treturn $this->uid;',
      '',
    ].join('\n')));
    expect(outcome.edits.map((e) => [e.anchor, e.line, e.anchorLine])).toEqual([
      ['return-oidc-provider-user-id', 8, 8],
      ['set-last-password-confirm', 12, 10],
    ]);
    expect(run(outcome.patched).code).toBe('already-applied');
  });

  it('ignores a `return $oidcProviderUserId;` inside a closure (it leaves the closure, not the method)', () => {
    const source = backend([
      "\t\t$find = function () use ($oidcProviderUserId) {",
      '\t\t\treturn $oidcProviderUserId;',
      '\t\t};',
      BASIC,
    ].join('\n'));
    const outcome = applied(source);
    expect(outcome.edits.map((e) => e.anchorLine)).toEqual([11, 13]);
    expect(outcome.patched).toContain('\t\t\treturn $oidcProviderUserId;\n\t\t};');
    expect(outcome.patched.split(SET)).toHaveLength(3);
  });

  it('upstream-style lines without the marker count as applied, reported as unmarked', () => {
    const source = backend(applied(backend(BASIC)).patched.replaceAll(' // nc-oauth-lab:user_oidc-app-api (nextcloud/user_oidc#1221)', '').split('getCurrentUserId(): string {\n')[1]!.split('\t}\n}\n')[0]!);
    const outcome = run(source);
    expect(outcome).toMatchObject({ code: 'already-applied' });
    if (outcome.code === 'already-applied') expect(outcome.anchors.map((a) => [a.patched, a.marked])).toEqual([[true, false], [true, false]]);
  });

  it('a last-password-confirm statement followed directly by the return gets one insertion, not two', () => {
    const outcome = applied(backend([
      "\t\t$this->session->set('last-password-confirm', 1);",
      '\t\treturn $oidcProviderUserId;',
      '',
    ].join('\n')));
    expect(outcome.edits).toHaveLength(1);
    expect(outcome.anchors).toHaveLength(2);
    expect(outcome.patched.split(SET)).toHaveLength(2);
    expect(run(outcome.patched).code).toBe('already-applied');
  });

  it('statements sharing a line get an inline insertion with a block-comment marker', async () => {
    const outcome = applied(backend([
      "\t\tif ($ok) { $this->session->set('last-password-confirm', 1); return $this->uid; }",
      '\t\t$x = 1; return $oidcProviderUserId;',
      '',
    ].join('\n')));
    const inline = "$this->session->set('app_api', true); /* nc-oauth-lab:user_oidc-app-api (nextcloud/user_oidc#1221) */";
    expect(outcome.patched).toContain(`\t\tif ($ok) { $this->session->set('last-password-confirm', 1); ${inline} return $this->uid; }\n`);
    expect(outcome.patched).toContain(`\t\t$x = 1; ${inline} return $oidcProviderUserId;\n`);
    expect(outcome.edits.map((e) => [e.anchor, e.line])).toEqual([['set-last-password-confirm', 6], ['return-oidc-provider-user-id', 7]]);
    expect(run(outcome.patched).code).toBe('already-applied');
    if (HAS_PHP) expect((await lintPhp(outcome.patched)).status).toBe('passed');
  });

  it('keeps comments with their statement, and offsets survive non-ASCII text before the anchors', () => {
    const outcome = applied(backend([
      '\t\t// café: ünïcödé before the anchors',
      '\t\tif ($oidcProviderUserId !== null) {',
      '\t\t\t// the oidc app knows this user',
      '\t\t\t/* and says so */',
      '\t\t\treturn $oidcProviderUserId;',
      '\t\t}',
      "\t\t$this->session->set('last-password-confirm', 1); // four years",
      '',
      '\t\treturn $this->uid;',
      '',
    ].join('\n'), '// ©\n'));
    expect(outcome.patched).toContain(`{\n\t\t\t${SET}\n\t\t\t// the oidc app knows this user\n\t\t\t/* and says so */\n\t\t\treturn $oidcProviderUserId;`);
    expect(outcome.patched).toContain(`1); // four years\n\t\t${SET}\n\n\t\treturn $this->uid;`);
  });

  it('a brace-less `if (...) return $oidcProviderUserId;` is reported, not patched into a wrong place', () => {
    const outcome = run(backend([
      '\t\tif ($oidcProviderUserId !== null) return $oidcProviderUserId;',
      "\t\t$this->session->set('last-password-confirm', 1);",
      '',
    ].join('\n')));
    expect(outcome).toMatchObject({
      code: 'anchors-changed',
      message: 'user_oidc 8.10.1: `return $oidcProviderUserId;` at line 6 is not inside a { } block in Backend::getCurrentUserId(): the upstream code changed; update the patch',
    });
  });

  it('app_api set away from the anchors is reported instead of doubled', () => {
    const outcome = run(backend(`\t\t$this->session->set('app_api', true);\n${BASIC}`));
    expect(outcome.code).toBe('anchors-changed');
    if (outcome.code === 'anchors-changed') expect(outcome.message).toContain('Backend::getCurrentUserId() already sets app_api at line 6, away from the anchors');
  });

  it('names each missing anchor, and a missing method or class', () => {
    expect(run(backend('\t\treturn $oidcProviderUserId;\n'))).toMatchObject({
      code: 'anchors-changed',
      message: "user_oidc 8.10.1: no `$this->session->set('last-password-confirm', …);` in Backend::getCurrentUserId(): the upstream code changed; update the patch",
    });
    expect(run(backend('').replace('getCurrentUserId', 'currentUserId'))).toMatchObject({ code: 'anchors-changed', problems: ['no method getCurrentUserId() in class Backend'] });
    expect(run(backend('').replace('class Backend', 'class Other'))).toMatchObject({ code: 'anchors-changed', problems: ['no class Backend in lib/User/Backend.php'] });
  });

  it('is not applicable before 7.0.0 whatever the file holds, and applies to pre-releases of 7.0.0 and later', () => {
    expect(run(backend(BASIC), '6.4.0').code).toBe('not-applicable');
    expect(run(backend(BASIC), '7.0.0-beta.1').code).toBe('applied');
    expect(run(backend(BASIC), '8.11.0-dev.0').code).toBe('applied');
  });

  it('throws a PhpParseError with the line for a file that is not PHP', () => {
    expect(() => run('<?php\nclass Backend {\n\tpublic function getCurrentUserId(): string {\n\t\treturn $x\n\t}\n}\n')).toThrow(
      expect.objectContaining({ code: 'ERR_PHP_PARSE', message: expect.stringMatching(/^lib\/User\/Backend\.php line 5: not valid PHP/) }),
    );
  });
});
