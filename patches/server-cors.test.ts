import { describe, expect, it } from 'vitest';
import { evaluatePatch, serverCorsPatch, type PatchOutcome } from './index.ts';

/** A synthetic CORSMiddleware whose beforeController() body is `body`. */
function middleware(body: string): string {
  return `<?php\nnamespace FixtureServer;\n\nclass CORSMiddleware {\n\tpublic function beforeController($controller, $methodName) {\n${body}\t}\n}\n`;
}

function run(source: string, version = '32.0.1'): PatchOutcome {
  return evaluatePatch(serverCorsPatch, version, `Nextcloud ${version}`, source);
}

const CSRF = [
  '\t\tif ($this->isCors()) {',
  '\t\t\tif ($this->request->passesCSRFCheck()) {',
  '\t\t\t\treturn;',
  '\t\t\t}',
  '\t\t\t$this->session->logout();',
  '\t\t}',
  '',
].join('\n');

describe('server-cors transform', () => {
  it('inserts the Bearer early return before the CSRF test, with a blank line after it', () => {
    const outcome = run(middleware(CSRF));
    expect(outcome.code).toBe('applied');
    if (outcome.code !== 'applied') return;
    expect(outcome.patched).toBe(middleware([
      '\t\tif ($this->isCors()) {',
      '\t\t\t// nc-oauth-lab:server-cors (nextcloud/server#55878): a Bearer request needs no CSRF token',
      "\t\t\tif (str_starts_with($this->request->getHeader('Authorization'), 'Bearer ')) {",
      '\t\t\t\treturn;',
      '\t\t\t}',
      '',
      '\t\t\tif ($this->request->passesCSRFCheck()) {',
      '\t\t\t\treturn;',
      '\t\t\t}',
      '\t\t\t$this->session->logout();',
      '\t\t}',
      '',
    ].join('\n')));
    expect(outcome.edits).toEqual([{ anchor: 'if-passes-csrf-check', position: 'before', anchorLine: 7, line: 7, text: expect.stringContaining('\n\treturn;\n}') }]);
    expect(run(outcome.patched)).toMatchObject({ code: 'already-applied', anchors: [{ patched: true, marked: true }] });
  });

  it('takes the indentation step from the file (2 spaces here)', () => {
    const outcome = run(middleware(CSRF.replaceAll('\t', '  ')).replaceAll('\t', '  '));
    expect(outcome.code).toBe('applied');
    if (outcome.code === 'applied') expect(outcome.patched).toContain("      if (str_starts_with($this->request->getHeader('Authorization'), 'Bearer ')) {\n        return;\n      }\n");
  });

  it("counts upstream's own shape of nextcloud/server#55878 as applied (unmarked)", () => {
    const upstream = CSRF.replace('\t\t\tif ($this->request->passesCSRFCheck())', [
      "\t\t\t$authorization = $this->request->getHeader('Authorization');",
      "\t\t\tif ($authorization !== '' && str_starts_with($authorization, 'Bearer ')) {",
      '\t\t\t\treturn;',
      '\t\t\t}',
      '',
      '\t\t\tif ($this->request->passesCSRFCheck())',
    ].join('\n'));
    expect(run(middleware(upstream))).toMatchObject({ code: 'already-applied', anchors: [{ patched: true, marked: false }] });
  });

  it('a Bearer early return elsewhere in beforeController() is reported, not doubled', () => {
    const moved = `\t\tif (str_starts_with($this->request->getHeader('Authorization'), 'Bearer ')) {\n\t\t\treturn;\n\t\t}\n${CSRF}`;
    const outcome = run(middleware(moved));
    expect(outcome.code).toBe('anchors-changed');
    if (outcome.code === 'anchors-changed') expect(outcome.message).toContain('already returns early for Bearer requests at line 6, away from the passesCSRFCheck() test');
  });

  it('a negated or combined CSRF test is still the anchor', () => {
    const outcome = run(middleware(CSRF.replace('if ($this->request->passesCSRFCheck())', 'if ($a && $this->request->passesCSRFCheck())')));
    expect(outcome.code).toBe('applied');
  });

  it('is not applicable before Nextcloud 31', () => {
    expect(run(middleware(CSRF), '30.0.14').code).toBe('not-applicable');
  });
});
