import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureCli, type CapturedCli } from './cli-test-kit.ts';
import { readMatrixFile } from '../scenarios/index.ts';
import { leftOutLines } from './matrix-bisect-command.ts';

const run = (...argv: string[]): Promise<CapturedCli> => captureCli(argv);

describe('nc-oauth-lab matrix bisect: bad input (exit 2, nothing run)', () => {
  const cases: [string, string[], RegExp][] = [
    ['an unknown check', ['--check', 'no.such', '--axis', 'oidc', '--nextcloud', '32'], /unknown check 'no.such': use a check id of scenarios\/checks.ts/],
    ['no check', ['--axis', 'oidc', '--nextcloud', '32'], /needs --check ID/],
    ['an unknown axis', ['--check', 'discovery.pkce-advertised', '--axis', 'notes', '--nextcloud', '32'], /--axis must be one of nextcloud, oidc, user_oidc, not 'notes'/],
    ['a version outside the data', ['--check', 'discovery.pkce-advertised', '--axis', 'oidc', '--nextcloud', '32', '--from', '1.10.7'], /--from 1.10.7 is not a release of oidc in the data/],
    ['a release that does not install on the fixed major', ['--check', 'discovery.pkce-advertised', '--axis', 'oidc', '--nextcloud', '34', '--from', '1.10.0'], /--from oidc 1.10.0 installs on Nextcloud 30-32, not 34/],
    ['--from after --to', ['--check', 'discovery.pkce-advertised', '--axis', 'oidc', '--nextcloud', '32', '--from', '1.11.0', '--to', '1.10.0'], /must be an older release than --to/],
    ['the axis given as a fixed value', ['--check', 'discovery.pkce-advertised', '--axis', 'oidc', '--nextcloud', '32', '--oidc', '1.10.0'], /--oidc is the axis of the bisect/],
    ['a fixed axis with several values', ['--check', 'discovery.pkce-advertised', '--axis', 'oidc', '--nextcloud', '32,34'], /give one value to --nextcloud/],
    ['no fixed major', ['--check', 'discovery.pkce-advertised', '--axis', 'oidc'], /give one value to --nextcloud/],
    ['an unknown patch', ['--check', 'discovery.pkce-advertised', '--axis', 'oidc', '--nextcloud', '32', '--patch', 'nope'], /--patch: unknown patch 'nope'/],
    ['the external provider', ['--check', 'discovery.pkce-advertised', '--axis', 'oidc', '--nextcloud', '32', '--provider', 'external'], /--provider must be one of double, docker/],
    ['a Nextcloud major the fixed oidc does not install on', ['--check', 'discovery.pkce-advertised', '--axis', 'nextcloud', '--oidc', '1.10.0', '--from', '33'], /--from Nextcloud 33: oidc 1.10.0 installs on Nextcloud 30-32: pick a major it installs on/],
    ['--nextcloud with --axis nextcloud', ['--check', 'discovery.pkce-advertised', '--axis', 'nextcloud', '--nextcloud', '32'], /--nextcloud is the axis of the bisect/],
    ['no released user_oidc on Nextcloud 35', ['--check', 'session.cookie-after-bearer', '--axis', 'user_oidc', '--nextcloud', '35'], /no release of user_oidc in the range installs with the fixed axes/],
  ];
  it.each(cases)('refuses %s', async (_name, argv, message) => {
    const r = await run('matrix', 'bisect', ...argv);
    expect(r.code).toBe(2);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(message);
    expect(r.out).toEqual([]);
  });
});

describe('leftOutLines', () => {
  it('groups neighbouring releases left out for one reason', () => {
    expect(
      leftOutLines('oidc', [
        { index: 0, version: '1.8.0', why: 'installs on Nextcloud 30-31, not 34' },
        { index: 1, version: '1.8.1', why: 'installs on Nextcloud 30-31, not 34' },
        { index: 2, version: '1.8.2', why: 'installs on Nextcloud 30-32, not 34' },
        { index: 9, version: '2.0.3', why: 'installs on Nextcloud 30-32, not 34' },
      ]),
    ).toEqual([
      'left out oidc 1.8.0 ... 1.8.1 (2 releases): installs on Nextcloud 30-31, not 34',
      'left out oidc 1.8.2: installs on Nextcloud 30-32, not 34',
      'left out oidc 2.0.3: installs on Nextcloud 30-32, not 34',
    ]);
  });
});

// Real runs of the discovery scenario against the Nextcloud double (a test double, not a real Nextcloud),
// on a narrow range to keep them short; the full ranges are in the README.
describe('nc-oauth-lab matrix bisect against the double', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-bisect-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds oidc 1.10.0 for discovery.pkce-advertised on Nextcloud 32 and writes the cells behind it', async () => {
    const out = join(dir, 'pkce');
    const r = await run('matrix', 'bisect', '--check', 'discovery.pkce-advertised', '--axis', 'oidc', '--nextcloud', '32', '--from', '1.9.0', '--to', '1.11.0', '--out', out);
    expect(r.out).toContain('discovery.pkce-advertised: first passing release oidc 1.10.0 (last failing: oidc 1.9.0)');
    expect(r.code).toBe(0);
    expect(r.out.filter((l) => /^ {2}(end|probe|neighbour) /.test(l)).map((l) => l.trim().split(/\s+/).slice(0, 4))).toEqual([
      ['end', 'oidc', '1.9.0', 'failed'],
      ['end', 'oidc', '1.11.0', 'passed'],
      ['probe', 'oidc', '1.10.0', 'passed'],
      // the release just before --from checks the answer is monotonic there; the one after is the end 1.11.0
      ['neighbour', 'oidc', '1.8.5', 'failed'],
    ]);
    expect(r.out).toContain('discovery.pkce-advertised: monotonic at the answer: oidc 1.8.5 fails like 1.9.0, oidc 1.11.0 passes like 1.10.0');
    expect(r.err.join('\n')).toContain('the Nextcloud double, a test double');
    const matrix = readMatrixFile(join(out, 'matrix.json'));
    expect(matrix.cells.map((c) => [c.variant, c.check, c.observed.outcome])).toEqual([
      ['nc32-oidc1.8.5-uo8.10.1-none-hdr', 'discovery.pkce-advertised', 'failed'],
      ['nc32-oidc1.9.0-uo8.10.1-none-hdr', 'discovery.pkce-advertised', 'failed'],
      ['nc32-oidc1.10.0-uo8.10.1-none-hdr', 'discovery.pkce-advertised', 'passed'],
      ['nc32-oidc1.11.0-uo8.10.1-none-hdr', 'discovery.pkce-advertised', 'passed'],
    ]);
    expect(existsSync(join(out, 'matrix.html'))).toBe(true);
    expect(existsSync(join(out, 'steps', 'nc32-oidc1.10.0-uo8.10.1-none-hdr', 'playwright.log'))).toBe(true);
  }, 240_000);

  it('exits 1 when the ends agree, after running only them', async () => {
    const r = await run('matrix', 'bisect', '--check', 'discovery.pkce-advertised', '--axis', 'oidc', '--nextcloud', '32', '--from', '1.10.0', '--to', '1.11.0', '--out', join(dir, 'agree'));
    expect(r.code).toBe(1);
    expect(r.out).toContain('discovery.pkce-advertised: the ends agree: oidc 1.10.0 and oidc 1.11.0 both pass: nothing to bisect (widen or move the range with --from/--to)');
    expect(r.out.filter((l) => /^ {2}end /.test(l))).toHaveLength(2);
  }, 240_000);
});
