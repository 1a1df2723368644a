import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultAppVersion, EXTRA_APPS, IMAGE_APPS, releaseUrl } from './app-releases.ts';
import { appBuildArgPrefix, IMAGE_PATCHES, MIN_OIDC_VERSION, NEXTCLOUD_DOCKERFILE, NEXTCLOUD_IMAGE_DEFAULTS, REPO_ROOT } from './nextcloud-image.ts';
import { DockerfileSyntaxError, parseDockerfile, parseKeyValues, type DockerfileStage } from './parse-dockerfile.ts';

// docker/nextcloud/Dockerfile checked as text: build args, stages, labels, hook permissions. (A build runs in
// nextcloud-image-build.test.ts when an engine is reachable.)

const text = readFileSync(join(REPO_ROOT, NEXTCLOUD_DOCKERFILE), 'utf8');
const dockerfile = parseDockerfile(text);
const stages = dockerfile.stages;
const image = stages.at(-1)!;
const named = new Map(stages.filter((s) => s.name).map((s) => [s.name!, s]));
const stage = (name: string): DockerfileStage => {
  const found = named.get(name);
  if (!found) throw new Error(`no stage ${name}`);
  return found;
};
const runs = (s: DockerfileStage): string[] => s.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
const copies = (s: DockerfileStage): string[] => s.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);

/** The values a source/patch build arg may take, for checking `FROM name-${ARG}` selections. */
const CHOICES: Record<string, readonly string[]> = {
  OIDC_SOURCE: ['release', 'git', 'context', 'built'],
  USER_OIDC_SOURCE: ['release', 'git', 'context', 'built'],
  ...Object.fromEntries(EXTRA_APPS.map((app) => [`${appBuildArgPrefix(app)}_SOURCE`, ['release', 'git', 'context', 'built', 'none']])),
  PATCH: IMAGE_PATCHES,
};

describe('parseDockerfile', () => {
  it('joins continuations, drops comments inside them and splits FROM … AS', () => {
    const parsed = parseDockerfile('ARG A=1\n# c\nFROM x:${A} AS one\nRUN a \\\n# inside\n  && b\nFROM one\nLABEL k="v w" j=z\n');
    expect([...parsed.globalArgs]).toEqual([['A', '1']]);
    expect(parsed.stages.map((s) => [s.name, s.base])).toEqual([['one', 'x:${A}'], [undefined, 'one']]);
    expect(parsed.stages[0]!.instructions).toEqual([{ keyword: 'RUN', args: 'a && b', line: 4 }]);
    expect([...parseKeyValues(parsed.stages[1]!.instructions[0]!.args)]).toEqual([['k', 'v w'], ['j', 'z']]);
  });

  it('rejects what the frontend rejects', () => {
    expect(() => parseDockerfile('RUN x\nFROM y')).toThrow(DockerfileSyntaxError);
    expect(() => parseDockerfile('FROM y\nRUN a \\')).toThrow(/ends inside a line continuation/);
    expect(() => parseDockerfile('FROM a b c d')).toThrow(/FROM takes an image/);
  });
});

describe('docker/nextcloud/Dockerfile', () => {
  it('has no syntax directive: BuildKit builds it with its built-in frontend, without a pull', () => {
    expect(text).not.toMatch(/^#\s*syntax\s*=/im);
    expect(text).not.toMatch(/^#\s*(check|escape)\s*=/im);
  });

  it('declares the build args with the documented defaults', () => {
    const args = dockerfile.globalArgs;
    expect(args.get('NEXTCLOUD_VERSION')).toBe(NEXTCLOUD_IMAGE_DEFAULTS.nextcloud);
    expect(args.get('OIDC_VERSION')).toBe(NEXTCLOUD_IMAGE_DEFAULTS.oidc);
    expect(args.get('USER_OIDC_VERSION')).toBe(NEXTCLOUD_IMAGE_DEFAULTS.userOidc);
    expect(args.get('PATCH')).toBe('none');
    expect(args.get('NC_OAUTH_LAB_TEST_IMAGE')).toBe('false');
    expect(args.get('OIDC_SOURCE')).toBe('release');
    expect(args.get('USER_OIDC_SOURCE')).toBe('release');
    expect(args.get('OIDC_GIT_URL')).toBe('https://github.com/H2CK/oidc.git');
    expect(args.get('USER_OIDC_GIT_URL')).toBe('https://github.com/nextcloud/user_oidc.git');
    for (const name of ['OIDC_GIT_REF', 'USER_OIDC_GIT_REF', 'OIDC_RELEASE_URL', 'USER_OIDC_RELEASE_URL']) expect(args.get(name), name).toBe('');
    expect(args.get('OIDC_SRC_DIR')).toBe('.nc-oauth-lab-src/oidc');
    expect(args.get('USER_OIDC_SRC_DIR')).toBe('.nc-oauth-lab-src/user_oidc');
    expect(args.get('NODE_IMAGE')).toBe('node:20');
    expect(args.get('COMPOSER_IMAGE')).toBe('composer:2');
  });

  it('builds FROM the official apache image, and pulls nothing but the declared base images', () => {
    expect(image.name).toBeUndefined();
    expect(image.base).toBe('${NEXTCLOUD_IMAGE}');
    expect(dockerfile.globalArgs.get('NEXTCLOUD_IMAGE')).toBe('nextcloud:${NEXTCLOUD_VERSION}-apache');
    const external = new Set(['${NODE_IMAGE}', '${APP_NODE_IMAGE}', '${COMPOSER_IMAGE}', '${NEXTCLOUD_IMAGE}', 'scratch']);
    const seen = new Set<string>();
    for (const s of stages) {
      const selection = /^(.*)\$\{([A-Z_]+)\}$/.exec(s.base);
      if (external.has(s.base)) {
        // a base image
      } else if (selection && CHOICES[selection[2]!]) {
        const [, prefix, arg] = selection;
        const reachable = CHOICES[arg!]!.filter((v) => named.has(`${prefix}${v}`));
        // Every choice has a stage; only git and context check out.
        const expected = prefix!.endsWith('-checkout-') ? ['git', 'context'] : CHOICES[arg!];
        expect(reachable, s.base).toEqual(expected);
        for (const v of reachable) expect(seen.has(`${prefix}${v}`), `${prefix}${v} is defined before ${s.name}`).toBe(true);
      } else {
        expect(seen.has(s.base), `${s.name ?? 'image'}: FROM ${s.base} is a stage defined above`).toBe(true);
      }
      if (s.name) seen.add(s.name);
    }
  });

  it('copies only from stages defined above, never from a variable', () => {
    const seen = new Set<string>();
    for (const s of stages) {
      for (const copy of copies(s)) {
        const from = /--from=(\S+)/.exec(copy)?.[1];
        if (from) {
          expect(from, copy).not.toContain('$');
          expect(seen.has(from), `${s.name ?? 'image'}: COPY --from=${from}`).toBe(true);
        }
      }
      if (s.name) seen.add(s.name);
    }
  });

  it('declares in each stage every build arg the stage uses', () => {
    for (const s of stages) {
      const declared = new Set(s.instructions.filter((i) => i.keyword === 'ARG').map((i) => i.args.split('=')[0]!.trim()));
      for (const i of s.instructions.filter((x) => ['RUN', 'COPY', 'LABEL', 'ENV'].includes(x.keyword))) {
        // The shell expands nothing inside single quotes (PHP code there).
        const expanded = i.keyword === 'RUN' ? i.args.replace(/'[^']*'/g, "''") : i.args;
        for (const [, name] of expanded.matchAll(/\$\{?([A-Z][A-Z0-9_]*)\}?/g)) {
          // Shell variables set inside the RUN line itself are not build args.
          if (i.keyword === 'RUN' && new RegExp(`\\b${name}=`).test(i.args)) continue;
          expect(declared.has(name!), `${s.name ?? 'image'} line ${i.line}: ${name} used but not declared with ARG`).toBe(true);
        }
      }
    }
  });

  it('rejects oidc below 1.10.0 in the builder stage, for releases and for checkouts', () => {
    expect(MIN_OIDC_VERSION).toBe('1.10.0');
    expect(runs(stage('oidc-source-release')).join('\n')).toContain(`require-version.sh oidc "$OIDC_VERSION" ${MIN_OIDC_VERSION} OIDC_VERSION`);
    expect(runs(stage('oidc-js')).join('\n')).toMatch(/app-version\.sh \/src\/oidc.*require-version\.sh oidc "\$version" 1\.10\.0/s);
    // The check comes before the download.
    const run = runs(stage('oidc-source-release'))[0]!;
    expect(run.indexOf('require-version.sh')).toBeLessThan(run.indexOf('fetch-release.sh'));
  });

  it('gets the apps from release tarballs, git checkouts or context directories, building checkouts', () => {
    expect(runs(stage('user_oidc-source-release'))[0]).toContain('fetch-release.sh user_oidc "$USER_OIDC_VERSION" "$USER_OIDC_RELEASE_URL" /out');
    for (const app of ['oidc', 'user_oidc']) {
      const src = stage(`${app}_src`);
      expect(src.base).toBe('scratch');
      expect(copies(src)).toEqual([`\${${app.toUpperCase()}_SRC_DIR}/ /`]);
      expect(runs(stage(`${app}-checkout-git`))[0]).toContain(`git-checkout.sh "$${app.toUpperCase()}_GIT_URL" "$${app.toUpperCase()}_GIT_REF" /src/${app}`);
      expect(copies(stage(`${app}-checkout-context`))).toEqual([`--from=${app}_src / /src/${app}`]);
      expect(stage(`${app}-js`).base).toBe('${APP_NODE_IMAGE}');
      expect(runs(stage(`${app}-js`)).join('\n')).toContain(`build-js.sh /src/${app}`);
      expect(stage(`${app}-built`).base).toBe('${COMPOSER_IMAGE}');
      expect(runs(stage(`${app}-built`))).toEqual([`/opt/nc-oauth-lab-build/build-php.sh /out/${app}`]);
      expect(stage(`${app}-source-git`).base).toBe(`${app}-built`);
      expect(stage(`${app}-source-context`).base).toBe(`${app}-built`);
    }
    const buildJs = readFileSync(join(REPO_ROOT, 'docker/nextcloud/build/build-js.sh'), 'utf8');
    expect(buildJs).toMatch(/npm ci[^\n]*\nnpm run build/);
    expect(readFileSync(join(REPO_ROOT, 'docker/nextcloud/build/build-php.sh'), 'utf8')).toMatch(/composer install --no-dev/);
  });

  it('applies the patches in a node builder stage with our own CLI', () => {
    const cli = stage('nc-oauth-lab-cli');
    expect(cli.base).toBe('${NODE_IMAGE}');
    // an installed package has no package-lock.json (npm never ships it): npm install, else npm ci
    expect(copies(cli)[0]).toBe('package.json package-lock.json* ./');
    expect(runs(cli)[0]).toBe(
      'if [ -f package-lock.json ]; then npm ci --omit=dev --ignore-scripts --no-audit --no-fund; else npm install --omit=dev --ignore-scripts --no-audit --no-fund; fi',
    );
    expect(stage('patch-user_oidc-app-api').base).toBe('nc-oauth-lab-cli');
    expect(runs(stage('patch-user_oidc-app-api'))[0]).toMatch(/^node bin\/nc-oauth-lab\.js patch apply --patch user_oidc-app-api --target \/out\/user_oidc /);
    expect(runs(stage('patch-server-cors'))[0]).toMatch(/^node bin\/nc-oauth-lab\.js patch apply --patch server-cors --target \/server /);
    expect(copies(stage('patch-server-cors'))).toContain('--from=server-source /usr/src/nextcloud/version.php /server/version.php');
    expect(runs(stage('patch-none'))[0]).not.toContain('nc-oauth-lab.js');
    expect(stage('patched').base).toBe('patch-${PATCH}');
    const ignore = readFileSync(join(REPO_ROOT, 'docker/nextcloud/Dockerfile.dockerignore'), 'utf8').split('\n');
    expect(ignore).toContain('**/node_modules');
    expect(ignore).toContain('**/.git');
    // The legacy builder reads only the root .dockerignore: the same patterns.
    const patterns = (file: string): string[] => readFileSync(join(REPO_ROOT, file), 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(patterns('.dockerignore')).toEqual(patterns('docker/nextcloud/Dockerfile.dockerignore'));
  });

  it('puts the apps in custom_apps and the hooks, made executable, in the post-installation folder', () => {
    const c = copies(image);
    expect(c).toContain('--from=oidc-app /out/oidc /usr/src/nextcloud/custom_apps/oidc');
    expect(c).toContain('--from=patched /out/user_oidc /usr/src/nextcloud/custom_apps/user_oidc');
    expect(c).toContain('--from=patched /overlay/ /usr/src/nextcloud/');
    const hooks = c.find((x) => x.includes('/docker-entrypoint-hooks.d/post-installation/'));
    expect(hooks).toMatch(/^(--chmod=0?755 )?docker\/nextcloud\/hooks\/post-installation\/ \/docker-entrypoint-hooks\.d\/post-installation\/$/);
    const chmodInCopy = hooks!.startsWith('--chmod=');
    const chmodRun = runs(image).some((r) => /chmod 0?755 \/docker-entrypoint-hooks\.d\/post-installation\/\*\.sh/.test(r));
    expect(chmodInCopy || chmodRun).toBe(true);
    // The RUN comes after the COPY it fixes.
    const copyIndex = image.instructions.findIndex((i) => i.keyword === 'COPY' && i.args === hooks);
    const runIndex = image.instructions.findIndex((i) => i.keyword === 'RUN' && i.args.includes('chmod 0755 /docker-entrypoint-hooks.d'));
    if (!chmodInCopy) expect(runIndex).toBeGreaterThan(copyIndex);
    const env = image.instructions.filter((i) => i.keyword === 'ENV').map((i) => parseKeyValues(i.args));
    expect(env.some((e) => e.get('NC_OAUTH_LAB_TEST_MODE') === '${NC_OAUTH_LAB_TEST_IMAGE}')).toBe(true);
  });

  it('labels the image with OCI labels and ours, recording versions, sources and the patch', () => {
    const labels = new Map<string, string>();
    for (const i of image.instructions.filter((x) => x.keyword === 'LABEL')) for (const [k, v] of parseKeyValues(i.args)) labels.set(k, v);
    expect(labels.get('org.opencontainers.image.version')).toBe('${NEXTCLOUD_VERSION}');
    expect(labels.get('org.opencontainers.image.base.name')).toBe('${NEXTCLOUD_IMAGE}');
    for (const app of EXTRA_APPS) {
      expect(labels.get(`io.nc-oauth-lab.${app}.version`)).toBe(`\${${appBuildArgPrefix(app)}_VERSION}`);
      expect(labels.get(`io.nc-oauth-lab.${app}.source`)).toBe(`\${${appBuildArgPrefix(app)}_SOURCE}`);
    }
    expect(labels.get('org.opencontainers.image.licenses')).toBe('AGPL-3.0-or-later');
    expect(labels.get('org.opencontainers.image.title')).toContain('${NEXTCLOUD_VERSION}');
    expect(labels.get('io.nc-oauth-lab.nextcloud.version')).toBe('${NEXTCLOUD_VERSION}');
    expect(labels.get('io.nc-oauth-lab.oidc.version')).toBe('${OIDC_VERSION}');
    expect(labels.get('io.nc-oauth-lab.oidc.source')).toBe('${OIDC_SOURCE}');
    expect(labels.get('io.nc-oauth-lab.user-oidc.version')).toBe('${USER_OIDC_VERSION}');
    expect(labels.get('io.nc-oauth-lab.user-oidc.source')).toBe('${USER_OIDC_SOURCE}');
    expect(labels.get('io.nc-oauth-lab.user-oidc.git-ref')).toBe('${USER_OIDC_GIT_REF}');
    expect(labels.get('io.nc-oauth-lab.patch')).toBe('${PATCH}');
    expect(labels.get('io.nc-oauth-lab.test-image')).toBe('${NC_OAUTH_LAB_TEST_IMAGE}');
    for (const key of labels.keys()) expect(key, 'label keys: lower-case, dots and dashes').toMatch(/^[a-z0-9]+([.-][a-z0-9]+)*$/);
  });

  it('downloads the releases from the URLs on the facts page, the same as docker/app-releases.ts', () => {
    const fetch = readFileSync(join(REPO_ROOT, 'docker/nextcloud/build/fetch-release.sh'), 'utf8');
    expect(fetch).toContain('upstream="https://github.com/H2CK/oidc/releases/download/${version}/${file}"');
    expect(fetch).toContain('file="oidc-${version}.tar.gz"');
    expect(fetch).toContain('upstream="https://github.com/nextcloud-releases/${app}/releases/download/v${version}/${file}"');
    expect(fetch).toContain('file="${app}-v${version}.tar.gz"');
    expect(fetch).toContain(`  ${IMAGE_APPS.filter((a) => a !== 'oidc').join(' | ')})`);
    expect(releaseUrl('oidc', '1.16.6')).toBe('https://github.com/H2CK/oidc/releases/download/1.16.6/oidc-1.16.6.tar.gz');
    expect(releaseUrl('notes', '5.0.2')).toBe('https://github.com/nextcloud-releases/notes/releases/download/v5.0.2/notes-v5.0.2.tar.gz');
  });

  it('defaults the extra apps to the newest release for Nextcloud 32 (docker/app-releases.ts)', () => {
    for (const app of EXTRA_APPS) {
      const prefix = appBuildArgPrefix(app);
      expect(dockerfile.globalArgs.get(`${prefix}_VERSION`), app).toBe(defaultAppVersion(app, Number(NEXTCLOUD_IMAGE_DEFAULTS.nextcloud)));
      expect(dockerfile.globalArgs.get(`${prefix}_SOURCE`), app).toBe('release');
      expect(dockerfile.globalArgs.get(`${prefix}_GIT_URL`), app).toBe(`https://github.com/nextcloud/${app}.git`);
      expect(dockerfile.globalArgs.get(`${prefix}_SRC_DIR`), app).toBe(`.nc-oauth-lab-src/${app}`);
    }
    expect(dockerfile.globalArgs.get('RELEASE_MIRROR')).toBe('');
  });

  it('has the stages of every extra app: release through the mirror, checkouts built, a built directory copied, or none', () => {
    for (const app of EXTRA_APPS) {
      const prefix = appBuildArgPrefix(app);
      expect(runs(stage(`${app}-source-release`))).toEqual([`/opt/nc-oauth-lab-build/fetch-release.sh ${app} "$${prefix}_VERSION" "$${prefix}_RELEASE_URL" /out "$RELEASE_MIRROR"`]);
      expect(copies(stage(`${app}_src`))).toEqual([`\${${prefix}_SRC_DIR}/ /`]);
      expect(runs(stage(`${app}-checkout-git`))[0]).toContain(`git-checkout.sh "$${prefix}_GIT_URL" "$${prefix}_GIT_REF" /src/${app}`);
      expect(stage(`${app}-js`).base).toBe('${APP_NODE_IMAGE}');
      expect(runs(stage(`${app}-built`))).toEqual([`/opt/nc-oauth-lab-build/build-php.sh /out/${app}`]);
      // A built directory needs no Node, no Composer and no network.
      expect(stage(`${app}-source-built`).base).toBe('build-tools');
      expect(copies(stage(`${app}-source-built`))).toEqual([`--from=${app}_src / /out/${app}`]);
      expect(runs(stage(`${app}-source-none`))).toEqual(['mkdir -p /out']);
      expect(stage(`${app}-app`).base).toBe(`${app}-source-\${${prefix}_SOURCE}`);
      expect(copies(image)).toContain(`--from=${app}-app /out/ /usr/src/nextcloud/custom_apps/`);
    }
    for (const app of ['oidc', 'user_oidc']) {
      expect(runs(stage(`${app}-source-release`)).join('\n')).toContain('/out "$RELEASE_MIRROR"');
      expect(copies(stage(`${app}-source-built`))).toEqual([`--from=${app}_src / /out/${app}`]);
    }
    // The versions file and the app list the hooks enable cover every app.
    const last = runs(image).join('\n');
    expect(last).toContain(`for app in ${IMAGE_APPS.join(' ')}; do`);
    expect(last).toContain('> /etc/nc-oauth-lab/apps');
  });

  it('stops the legacy builder in a first stage nothing uses, saying BuildKit is needed', () => {
    expect(stages[0]!.name).toBe('requires-buildkit');
    expect(runs(stages[0]!)[0]).toMatch(/needs BuildKit: use 'docker buildx build'.* && exit 1$/);
    const used = new Set(stages.flatMap((s) => [s.base, ...copies(s).map((c) => /--from=(\S+)/.exec(c)?.[1] ?? '')]));
    expect(used.has('requires-buildkit')).toBe(false);
  });
});
