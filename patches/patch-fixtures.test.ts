// Every fixture under patches/fixtures: the outcome, the exact diff, php -l, `patch -p1` and `git apply` of
// the rendered diff, the written file, and a second run that changes nothing.
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyPatchPlan, lintPhp, planPatch, renderPlanDiff, type PatchId, type PatchPlan } from './index.ts';

const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;
const scratch: string[] = [];

function has(tool: string): boolean {
  return spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
}
const HAS_PHP = has('php');
const HAS_PATCH = has('patch');
const HAS_GIT = has('git');
if (!HAS_PHP || !HAS_PATCH || !HAS_GIT) {
  console.warn(`patch fixture tests: skipping the checks that need ${[!HAS_PHP && 'php', !HAS_PATCH && 'patch', !HAS_GIT && 'git'].filter(Boolean).join(', ')} (not on PATH; .ci/run installs php-cli and patch)`);
}

async function copyFixture(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `nc-oauth-lab-${name}-`));
  scratch.push(dir);
  await cp(join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

afterAll(async () => {
  await Promise.all(scratch.map((d) => rm(d, { recursive: true, force: true })));
});

function edits(plan: PatchPlan): string[] {
  return plan.outcome.code === 'applied' ? plan.outcome.edits.map((e) => `${e.line} ${e.position} ${e.anchorLine}`) : [];
}

interface AppliedCase {
  fixture: string;
  patch: PatchId;
  label: string;
  edits: string[];
  alreadyPatched: number;
  crlf: boolean;
}

const APPLIED: AppliedCase[] = [
  { fixture: 'user_oidc-7.3', patch: 'user_oidc-app-api', label: 'user_oidc 7.3.0', edits: ['28 before 28', '46 after 44', '50 after 47', '57 after 53'], alreadyPatched: 0, crlf: false },
  { fixture: 'user_oidc-7.5-crlf', patch: 'user_oidc-app-api', label: 'user_oidc 7.5.0', edits: ['28 before 28', '46 after 44', '50 after 47', '57 after 53'], alreadyPatched: 0, crlf: true },
  { fixture: 'user_oidc-8.10', patch: 'user_oidc-app-api', label: 'user_oidc 8.10.1', edits: ['54 before 55', '92 after 90', '98 after 95', '113 after 109'], alreadyPatched: 0, crlf: false },
  { fixture: 'user_oidc-8.10-spaces', patch: 'user_oidc-app-api', label: 'user_oidc 8.7.0', edits: ['54 before 55', '92 after 90', '98 after 95', '113 after 109'], alreadyPatched: 0, crlf: false },
  { fixture: 'user_oidc-8.10-partial', patch: 'user_oidc-app-api', label: 'user_oidc 8.10.1', edits: ['97 after 96', '112 after 110'], alreadyPatched: 2, crlf: false },
  { fixture: 'server-32', patch: 'server-cors', label: 'Nextcloud 32.0.1', edits: ['33 before 34'], alreadyPatched: 0, crlf: false },
  { fixture: 'server-33-crlf-spaces', patch: 'server-cors', label: 'Nextcloud 33.0.0', edits: ['33 before 34'], alreadyPatched: 0, crlf: true },
];

describe.each(APPLIED)('$patch on fixture $fixture', (c) => {
  it('is applied with the expected edits, diff, line ends and indentation, then is already applied', async () => {
    const dir = await copyFixture(c.fixture);
    const plan = await planPatch(c.patch, dir);
    expect(plan.target.label).toBe(c.label);
    expect(plan.outcome.code).toBe('applied');
    if (plan.outcome.code !== 'applied') return;
    expect(edits(plan)).toEqual(c.edits);
    expect(plan.outcome.alreadyPatched).toBe(c.alreadyPatched);

    const diff = renderPlanDiff(plan);
    expect(diff).toBe(await readFile(join(FIXTURES, 'expected', `${c.fixture}.diff`), 'utf8'));
    const patched = plan.outcome.patched;
    const lf = patched.split('\n').length - 1;
    const crlf = patched.split('\r\n').length - 1;
    expect(crlf).toBe(c.crlf ? lf : 0);

    const result = await applyPatchPlan(plan);
    expect(result.written).toBe(true);
    expect(await readFile(plan.target.path, 'utf8')).toBe(patched);
    if (HAS_PHP) expect(result.lint).toEqual({ status: 'passed', php: expect.any(String) });

    const again = await planPatch(c.patch, dir);
    expect(again.outcome.code).toBe('already-applied');
    if (again.outcome.code === 'already-applied') expect(again.outcome.anchors.every((a) => a.patched)).toBe(true);
    expect(renderPlanDiff(again)).toBe('');
    const second = await applyPatchPlan(again);
    expect(second.written).toBe(false);
    expect(await readFile(plan.target.path, 'utf8')).toBe(patched);
  });

  it.skipIf(!HAS_PHP)('passes php -l after the patch', async () => {
    const plan = await planPatch(c.patch, join(FIXTURES, c.fixture));
    if (plan.outcome.code !== 'applied') throw new Error(`expected applied, got ${plan.outcome.code}`);
    expect((await lintPhp(plan.target.source!)).status).toBe('passed');
    expect(await lintPhp(plan.outcome.patched)).toEqual({ status: 'passed', php: expect.any(String) });
  });

  it.skipIf(!HAS_PATCH || !HAS_GIT)('renders a diff that patch -p1 and git apply accept, giving the same file', async () => {
    const plan = await planPatch(c.patch, join(FIXTURES, c.fixture));
    if (plan.outcome.code !== 'applied') throw new Error(`expected applied, got ${plan.outcome.code}`);
    const diffFile = join(await copyFixture('notes-app'), 'x.patch');
    await writeFile(diffFile, renderPlanDiff(plan));

    const forPatch = await copyFixture(c.fixture);
    const dry = spawnSync('patch', ['-p1', '--dry-run', '-i', diffFile], { cwd: forPatch, encoding: 'utf8' });
    expect(dry.status, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout + dry.stderr).not.toMatch(/fuzz|offset|hunk .* FAILED/i);
    const real = spawnSync('patch', ['-p1', '-i', diffFile], { cwd: forPatch, encoding: 'utf8' });
    expect(real.status, real.stdout + real.stderr).toBe(0);
    expect(await readFile(join(forPatch, plan.target.file), 'utf8')).toBe(plan.outcome.patched);

    const forGit = await copyFixture(c.fixture);
    const check = spawnSync('git', ['apply', '--check', diffFile], { cwd: forGit, encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
    const apply = spawnSync('git', ['apply', diffFile], { cwd: forGit, encoding: 'utf8' });
    expect(apply.status, apply.stderr).toBe(0);
    expect(await readFile(join(forGit, plan.target.file), 'utf8')).toBe(plan.outcome.patched);
  });
});

describe('fixtures that are not applied', () => {
  it('user_oidc 6.4.0 (no anchors, before 7.0.0): not applicable', async () => {
    const plan = await planPatch('user_oidc-app-api', join(FIXTURES, 'user_oidc-6.4'));
    expect(plan.outcome).toEqual({
      code: 'not-applicable',
      message: 'user_oidc-app-api is not applicable to user_oidc 6.4.0: user_oidc before 7.0.0 has no bearer validation through the oidc app (no $oidcProviderUserId path): there is nothing to patch and the patch is not needed (it applies to user_oidc >= 7.0.0)',
    });
    await expect(applyPatchPlan(plan)).rejects.toMatchObject({ code: 'ERR_PATCH_NOT_APPLICABLE' });
  });

  it('Nextcloud 30: server-cors is not applicable', async () => {
    const plan = await planPatch('server-cors', join(FIXTURES, 'server-30'));
    expect(plan.outcome.code).toBe('not-applicable');
    if (plan.outcome.code === 'not-applicable') expect(plan.outcome.message).toMatch(/^server-cors is not applicable to Nextcloud 30\.0\.14: .*\(it applies to Nextcloud >= 31\.0\.0\)$/);
  });

  it('user_oidc 8.11.0 without `return $oidcProviderUserId;`: anchors changed, naming the missing anchor', async () => {
    const plan = await planPatch('user_oidc-app-api', join(FIXTURES, 'user_oidc-8.11-changed'));
    expect(plan.outcome.code).toBe('anchors-changed');
    if (plan.outcome.code !== 'anchors-changed') return;
    expect(plan.outcome.message).toBe('user_oidc 8.11.0: no `return $oidcProviderUserId;` in Backend::getCurrentUserId(): the upstream code changed; update the patch');
    expect(plan.outcome.anchors.map((a) => a.anchor)).toEqual(['set-last-password-confirm', 'set-last-password-confirm', 'set-last-password-confirm']);
    await expect(applyPatchPlan(plan)).rejects.toMatchObject({ code: 'ERR_PATCH_ANCHORS_CHANGED', message: plan.outcome.message });
  });

  it('Nextcloud 36.0.0 without the passesCSRFCheck() test: anchors changed', async () => {
    const plan = await planPatch('server-cors', join(FIXTURES, 'server-36-changed'));
    expect(plan.outcome).toMatchObject({
      code: 'anchors-changed',
      message: 'Nextcloud 36.0.0: no `if ($this->request->passesCSRFCheck())` in CORSMiddleware::beforeController(): the upstream code changed; update the patch',
    });
  });

  it.each([
    ['user_oidc-app-api', 'user_oidc-8.10-patched', 4],
    ['server-cors', 'server-32-patched', 1],
  ] as const)('%s on %s: already applied, every anchor carries the marker, nothing written', async (patch, fixture, anchors) => {
    const dir = await copyFixture(fixture);
    const plan = await planPatch(patch, dir);
    expect(plan.outcome.code).toBe('already-applied');
    if (plan.outcome.code !== 'already-applied') return;
    expect(plan.outcome.anchors).toHaveLength(anchors);
    expect(plan.outcome.anchors.every((a) => a.patched && a.marked)).toBe(true);
    expect(renderPlanDiff(plan)).toBe('');
    const before = await readFile(plan.target.path, 'utf8');
    expect(await applyPatchPlan(plan)).toMatchObject({ written: false, lint: undefined });
    expect(await readFile(plan.target.path, 'utf8')).toBe(before);
  });

  it('a directory that is another app, or no app, or missing: one-line target errors', async () => {
    await expect(planPatch('user_oidc-app-api', join(FIXTURES, 'notes-app'))).rejects.toMatchObject({
      code: 'ERR_PATCH_TARGET',
      message: `${join(FIXTURES, 'notes-app')} is the 'notes' app, not user_oidc: --target must be the user_oidc app directory`,
    });
    await expect(planPatch('user_oidc-app-api', join(FIXTURES, 'server-32'))).rejects.toMatchObject({
      code: 'ERR_PATCH_TARGET',
      message: expect.stringMatching(/ is not a Nextcloud app directory \(no appinfo\/info\.xml\): --target must be the user_oidc app directory/),
    });
    await expect(planPatch('server-cors', join(FIXTURES, 'user_oidc-7.3'))).rejects.toMatchObject({
      code: 'ERR_PATCH_TARGET',
      message: expect.stringMatching(/ is not a Nextcloud server directory \(no version\.php\)/),
    });
    await expect(planPatch('server-cors', join(FIXTURES, 'no-such-dir'))).rejects.toMatchObject({
      code: 'ERR_PATCH_TARGET',
      message: `target directory ${join(FIXTURES, 'no-such-dir')} does not exist`,
    });
    await expect(planPatch('nope', FIXTURES)).rejects.toMatchObject({ code: 'ERR_PATCH_UNKNOWN' });
  });
});
