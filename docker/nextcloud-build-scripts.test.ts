import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseAssetName } from './app-releases.ts';
import { BUILD_SCRIPTS_DIR, POST_INSTALLATION_HOOKS_DIR } from './nextcloud-image.ts';

// The builder stages' scripts, run here on synthetic apps (release tarballs served from file:// URLs, a
// local git repository), and shellcheck on every shell script of the image.

let work: string;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function script(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(join(BUILD_SCRIPTS_DIR, name), args, { env: { PATH: process.env['PATH'], ...env }, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const hasCommand = (command: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** A synthetic app: appinfo/info.xml with `version`, as the release tarballs have it (top folder = app id). */
function makeApp(parent: string, app: string, version: string): string {
  const dir = join(parent, app);
  mkdirSync(join(dir, 'appinfo'), { recursive: true });
  writeFileSync(
    join(dir, 'appinfo/info.xml'),
    `<?xml version="1.0"?>\n<info>\n  <id>${app}</id>\n  <name>Synthetic ${app}</name>\n  <version>${version}</version>\n  <dependencies>\n    <nextcloud min-version="30" max-version="35"/>\n  </dependencies>\n</info>\n`,
  );
  writeFileSync(join(dir, 'lib.php'), '<?php\n// synthetic\n');
  return dir;
}

function makeTarball(app: string, version: string, name: string): string {
  const staging = mkdtempSync(join(work, 'staging-'));
  makeApp(staging, app, version);
  const file = join(work, name);
  execFileSync('tar', ['-czf', file, '-C', staging, app]);
  return file;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-build-scripts-'));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('app-version.sh and require-version.sh', () => {
  it('reads <version> of info.xml, not the dependency attributes', async () => {
    const dir = makeApp(mkdtempSync(join(work, 'v-')), 'oidc', '1.16.6');
    expect(await script('app-version.sh', [dir])).toEqual({ code: 0, stdout: '1.16.6\n', stderr: '' });
    const missing = await script('app-version.sh', [join(work, 'nowhere')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/is not a Nextcloud app: no appinfo\/info\.xml/);
  });

  it('compares versions by number: 1.10.0 is newer than 1.9.3', async () => {
    for (const ok of ['1.10.0', '1.10.1', '1.16.6', '2.0.9', 'v1.11.0', '1.10.0-beta.1', '10.0']) {
      expect((await script('require-version.sh', ['oidc', ok, '1.10.0', 'OIDC_VERSION'])).code, ok).toBe(0);
    }
    const old = await script('require-version.sh', ['oidc', '1.9.3', '1.10.0', 'OIDC_VERSION']);
    expect(old.code).toBe(1);
    expect(old.stderr).toBe('nc-oauth-lab: oidc 1.9.3 is not supported: this image needs oidc >= 1.10.0 (set OIDC_VERSION to 1.10.0 or newer)\n');
    expect((await script('require-version.sh', ['oidc', '1.8', '1.10.0', 'OIDC_VERSION'])).code).toBe(1);
    const junk = await script('require-version.sh', ['oidc', 'latest', '1.10.0', 'OIDC_VERSION']);
    expect(junk.stderr).toBe('nc-oauth-lab: OIDC_VERSION=latest is not a version (expected X.Y.Z)\n');
  });
});

describe('fetch-release.sh', () => {
  it.skipIf(!hasCommand('curl'))('downloads, checks and unpacks a release tarball', async () => {
    const tarball = makeTarball('user_oidc', '8.10.1', 'user_oidc-v8.10.1.tar.gz');
    const out = join(work, 'out-ok');
    const ran = await script('fetch-release.sh', ['user_oidc', 'v8.10.1', `file://${tarball}`, out]);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(readdirSync(out)).toEqual(['user_oidc']);
    expect(readFileSync(join(out, 'user_oidc/lib.php'), 'utf8')).toContain('synthetic');
  });

  it.skipIf(!hasCommand('curl'))('rejects a tarball with another version or another app, and a missing one', async () => {
    const wrong = makeTarball('user_oidc', '8.9.0', 'user_oidc-v8.10.0.tar.gz');
    let ran = await script('fetch-release.sh', ['user_oidc', '8.10.0', `file://${wrong}`, join(work, 'out-wrong')]);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toBe(`nc-oauth-lab: file://${wrong} holds user_oidc 8.9.0, not 8.10.0\n`);
    expect(existsSync(join(work, 'out-wrong'))).toBe(false);

    const other = makeTarball('oidc', '1.16.6', 'other.tar.gz');
    ran = await script('fetch-release.sh', ['user_oidc', '8.10.1', `file://${other}`, join(work, 'out-other')]);
    expect(ran.stderr).toMatch(/does not hold the app user_oidc \(user_oidc\/appinfo\/info\.xml is missing\)/);

    ran = await script('fetch-release.sh', ['oidc', '1.10.0', `file://${join(work, 'absent.tar.gz')}`, join(work, 'out-absent')]);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/^nc-oauth-lab: download of oidc 1\.10\.0 from file:\/\/.*absent\.tar\.gz failed: curl: \(37\) .*\n$/);

    ran = await script('fetch-release.sh', ['oidc', '1.10.0;rm', '', join(work, 'out-bad')]);
    expect(ran.stderr).toBe("nc-oauth-lab: '1.10.0;rm' is not a release version of oidc (expected X.Y.Z)\n");
  });
});

describe('fetch-release.sh with a release mirror', () => {
  it.skipIf(!hasCommand('curl'))('finds every app under the mirror by its upstream file name; an explicit URL wins', async () => {
    const mirror = join(work, 'mirror');
    mkdirSync(mirror, { recursive: true });
    for (const [app, version] of [['oidc', '1.16.6'], ['user_oidc', '8.10.1'], ['notes', '5.0.2'], ['deck', '1.16.7'], ['tables', '1.0.9'], ['calendar', '6.6.0'], ['contacts', '8.3.18']] as const) {
      const file = releaseAssetName(app, version);
      execFileSync('mv', [makeTarball(app, version, file), join(mirror, file)]);
      const out = join(work, `out-mirror-${app}`);
      const ran = await script('fetch-release.sh', [app, version, '', out, `file://${mirror}/`]);
      expect(ran.stderr, app).toBe('');
      expect(ran.stdout, app).toContain(`downloading ${app} ${version} from file://${mirror}/${file}\n`);
      expect(readdirSync(out)).toEqual([app]);
    }
    const elsewhere = makeTarball('notes', '4.12.3', 'renamed.tar.gz');
    const ran = await script('fetch-release.sh', ['notes', '4.12.3', `file://${elsewhere}`, join(work, 'out-explicit'), `file://${mirror}`]);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain(`from file://${elsewhere}\n`);
  });

  it.skipIf(!hasCommand('curl'))("says which download failed and curl's reason (a host that does not resolve)", async () => {
    const ran = await script('fetch-release.sh', ['deck', '1.16.7', '', join(work, 'out-unreachable'), 'http://mirror.invalid/apps']);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/^nc-oauth-lab: download of deck 1\.16\.7 from http:\/\/mirror\.invalid\/apps\/deck-v1\.16\.7\.tar\.gz failed: curl: \(6\) Could not resolve host: mirror\.invalid\n$/);
  });
});

describe('git-checkout.sh', () => {
  it.skipIf(!hasCommand('git'))('checks out a branch, a tag or a commit, shallow and without .git', async () => {
    const repo = join(work, 'upstream');
    makeApp(work, 'upstream', '8.11.0-dev.0');
    const git = (...args: string[]): string =>
      execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.test', '-c', 'init.defaultBranch=main', ...args], { encoding: 'utf8' }).trim();
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'one');
    git('tag', 'v8.11.0');
    const first = git('rev-parse', 'HEAD');
    writeFileSync(join(repo, 'lib.php'), '<?php\n// second\n');
    git('commit', '-qam', 'two');

    const head = await script('git-checkout.sh', [`file://${repo}`, '', join(work, 'co-head')]);
    expect(head.code).toBe(0);
    expect(readFileSync(join(work, 'co-head/lib.php'), 'utf8')).toContain('second');
    expect(existsSync(join(work, 'co-head/.git'))).toBe(false);

    const tag = await script('git-checkout.sh', [`file://${repo}`, 'v8.11.0', join(work, 'co-tag')]);
    expect(tag.code).toBe(0);
    expect(readFileSync(join(work, 'co-tag/lib.php'), 'utf8')).toContain('synthetic');
    expect(tag.stdout).toContain(`at ${first}`);

    const commit = await script('git-checkout.sh', [`file://${repo}`, first, join(work, 'co-commit')]);
    expect(commit.code).toBe(0);
    expect(readFileSync(join(work, 'co-commit/lib.php'), 'utf8')).toContain('synthetic');

    const missing = await script('git-checkout.sh', [`file://${repo}`, 'no-such-branch', join(work, 'co-missing')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/could not fetch no-such-branch of file:\/\//);
  });
});

describe('build-js.sh and build-php.sh', () => {
  it('leave a checkout without package.json or composer.json as it is', async () => {
    const dir = makeApp(mkdtempSync(join(work, 'plain-')), 'oidc', '1.16.6');
    expect((await script('build-js.sh', [dir])).stdout).toMatch(/has no package\.json: no JavaScript to build/);
    expect((await script('build-php.sh', [dir])).stdout).toMatch(/has no composer\.json: no PHP dependencies to install/);
  });

  it('run npm ci && npm run build, then drop node_modules', async () => {
    const dir = makeApp(mkdtempSync(join(work, 'js-')), 'user_oidc', '8.10.1');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'synthetic', private: true, version: '1.0.0', scripts: { build: 'mkdir -p js && echo built > js/app.js' } }));
    writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: 'synthetic', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'synthetic', version: '1.0.0' } } }));
    const ran = await script('build-js.sh', [dir], { HOME: work, npm_config_cache: join(work, 'npm-cache'), npm_config_offline: 'true' });
    expect(ran.stderr.replace(/npm (warn|notice).*\n/g, '')).toBe('');
    expect(ran.code).toBe(0);
    expect(readFileSync(join(dir, 'js/app.js'), 'utf8')).toBe('built\n');
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
  });
});

describe('shellcheck', () => {
  const available = hasCommand('shellcheck');
  if (!available) {
    it.skip('shellcheck is not installed (Debian: apt-get install shellcheck; .ci/run installs it)', () => {});
    return;
  }
  it('passes on the hooks and the build scripts as POSIX sh', () => {
    const files = [
      ...readdirSync(POST_INSTALLATION_HOOKS_DIR).map((f) => join(POST_INSTALLATION_HOOKS_DIR, f)),
      ...readdirSync(BUILD_SCRIPTS_DIR).map((f) => join(BUILD_SCRIPTS_DIR, f)),
    ];
    expect(files.length).toBeGreaterThan(10);
    const result = (() => {
      try {
        return { code: 0, out: execFileSync('shellcheck', ['--shell=sh', '--severity=style', ...files], { encoding: 'utf8' }) };
      } catch (error) {
        const e = error as { status: number; stdout: string };
        return { code: e.status, out: e.stdout };
      }
    })();
    expect(result.out).toBe('');
    expect(result.code).toBe(0);
  });
});
