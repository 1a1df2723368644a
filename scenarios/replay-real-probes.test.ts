import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { realRunsDir, REAL_RUNS_ENV } from './real-runs-dir.ts';
import { compareProbe, probeVariant, PROBE_STEPS, readRealProbes, replayProbeOnDouble, type RealProbe } from './replay-real-probes.ts';

/*
 * The double held to real Nextcloud, request by request: every recorded probe of a real instance
 * (../shared/real-nextcloud/*.probe-*.json beside the checkout, or $NC_OAUTH_LAB_REAL_RUNS) — a plain-HTTP
 * DCR + PKCE S256 flow and the facts page's bearer table, one HTTP status (or value) per named step — is made
 * again on a double of the same variant (from the file name: Nextcloud release, oidc, user_oidc, patch; the
 * token type from the file's tokenType, asked for in the registration) and compared step by step: exactly, except the instance's base URL
 * inside login_post's Location. A recorded step the probe does not know fails, so that a newer recording is
 * never half-checked. New recordings are taken as they come: nothing here names a file or a variant.
 */

const dir = realRunsDir();
const probes = readRealProbes(dir);

const show = (value: unknown): string => JSON.stringify(value) ?? 'nothing';

describe('replay of the recorded real probes on the double', () => {
  if (probes.length === 0) {
    console.warn(`replay of the recorded real probes skipped: no *.probe-*.json in ${dir} (set ${REAL_RUNS_ENV} to a folder of recorded probes)`);
    it.skip(`needs recorded probes of real Nextcloud (*.probe-*.json) in ${dir}: set ${REAL_RUNS_ENV} to such a folder`, () => undefined);
    return;
  }

  for (const probe of probes) {
    const name = basename(probe.path);
    it(`the double answers like real Nextcloud in every recorded step of ${name}`, async () => {
      const { comparison, durationMs } = await replayProbeOnDouble(probe);
      const recorded = Object.keys(probe.steps).length;
      console.log(`${name}: ${comparison.agreed.length}/${recorded} recorded step(s) agreed on the double, ${comparison.disagreements.length} disagreed${comparison.unknownSteps.length > 0 ? `, ${comparison.unknownSteps.length} unknown to the probe` : ''} (${durationMs} ms)`);
      const problems = [
        ...comparison.unknownSteps.map((step) => `${name}: step ${step} is not one the probe knows (${PROBE_STEPS.join(', ')}): teach scenarios/replay-real-probes.ts to make it`),
        ...comparison.disagreements.map((d) => `${name}: ${d.step}: recorded ${show(d.recorded)}, double ${show(d.double)}`),
      ];
      expect(problems, `steps where the double and real Nextcloud disagree:\n${problems.join('\n')}`).toEqual([]);
    });
  }
});

describe('the recorded probes', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-real-probes-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const steps = { discovery: 200, login_post: '303 http://127.0.0.1:8134/index.php/apps/dashboard/' };

  it('are the *.probe-*.json files of the folder, with the variant from the name and the token type from the file', () => {
    writeFileSync(join(tmp, 'nc34.0.1-oidc2.0.9-uo8.10.1-none.probe-b.json'), JSON.stringify({ base: 'http://127.0.0.1:8134', tokenType: 'jwt', steps }));
    writeFileSync(join(tmp, 'nc32.0.1-oidc1.16.6-uo8.10.1-user_oidc-app-api.probe-a.json'), JSON.stringify({ base: 'http://nc.example/', tokenType: 'opaque', steps }));
    writeFileSync(join(tmp, 'nc32.0.1-oidc1.16.6-uo8.10.1-none.matrix.json'), '{}');
    const read = readRealProbes(tmp);
    expect(read.map((p) => [basename(p.path), p.variant, p.tokenType, p.base])).toEqual([
      ['nc32.0.1-oidc1.16.6-uo8.10.1-user_oidc-app-api.probe-a.json', { nextcloud: 32, nextcloudVersion: '32.0.1', oidc: '1.16.6', userOidc: '8.10.1', patch: 'user_oidc-app-api' }, 'opaque', 'http://nc.example'],
      ['nc34.0.1-oidc2.0.9-uo8.10.1-none.probe-b.json', { nextcloud: 34, nextcloudVersion: '34.0.1', oidc: '2.0.9', userOidc: '8.10.1', patch: 'none' }, 'jwt', 'http://127.0.0.1:8134'],
    ]);
    expect(readRealProbes(join(tmp, 'absent'))).toEqual([]);
  });

  it('are refused with a message naming the file when the name or the token type is not a probe of a known variant', () => {
    expect(() => probeVariant('nc34-oidc2.0.9-uo8.10.1-none.probe-jwt.json')).toThrow(/nc34-oidc2\.0\.9-uo8\.10\.1-none\.probe-jwt\.json is not named nc<exact release>/);
    expect(() => probeVariant('nc34.0.1-oidc2.0.9-uo8.10.1-magic.probe-jwt.json')).toThrow(/magic\.probe-jwt\.json: unknown patch 'magic'/);
    expect(() => probeVariant('nc31.0.9-oidc2.0.9-uo8.10.1-none.probe-jwt.json')).toThrow(/probe-jwt\.json: oidc 2\.0\.9 installs on Nextcloud 32-35, not 31/);
    const odd = mkdtempSync(join(tmp, 'odd-'));
    writeFileSync(join(odd, 'nc34.0.1-oidc2.0.9-uo8.10.1-none.probe-x.json'), JSON.stringify({ base: 'http://127.0.0.1:8134', tokenType: 'paseto', steps }));
    expect(() => readRealProbes(odd)).toThrow(/probe-x\.json: tokenType is "paseto", not "opaque" or "jwt"/);
  });

  it('are compared exactly, but for the base URL inside login_post, and an unknown step is reported', () => {
    const probe: RealProbe = {
      path: 'x.probe-jwt.json',
      variant: probeVariant('nc34.0.1-oidc2.0.9-uo8.10.1-none.probe-jwt.json'),
      base: 'http://127.0.0.1:8134',
      tokenType: 'jwt',
      steps: { ...steps, pkce_methods: ['S256', 'plain'], notes_after_code_reuse: 200, brand_new_step: 200 },
    };
    const base = 'http://127.0.0.1:40123';
    expect(compareProbe(probe, { discovery: 200, login_post: `303 ${base}/index.php/apps/dashboard/`, pkce_methods: ['S256', 'plain'], notes_after_code_reuse: 200 }, base)).toEqual({
      agreed: ['discovery', 'login_post', 'pkce_methods', 'notes_after_code_reuse'],
      disagreements: [],
      unknownSteps: ['brand_new_step'],
    });
    const differ = compareProbe(probe, { discovery: 200, login_post: `303 ${base}/index.php/login?direct=1`, pkce_methods: ['S256'], notes_after_code_reuse: { notReached: 'no code' } }, base);
    expect(differ.agreed).toEqual(['discovery']);
    expect(differ.disagreements).toEqual([
      { step: 'login_post', recorded: '303 /index.php/apps/dashboard/', double: '303 /index.php/login?direct=1' },
      { step: 'pkce_methods', recorded: ['S256', 'plain'], double: ['S256'] },
      { step: 'notes_after_code_reuse', recorded: 200, double: { notReached: 'no code' } },
    ]);
  });
});
