import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXTRA_APPS, IMAGE_APPS } from './app-releases.ts';
import { APP_STAGE_SPECS, APP_STAGES_END, APP_STAGES_START, appStages, DOCKERFILE_WIDTH, dockerfileAppStages, withAppStages, type AppStageSpec } from './dockerfile-app-stages.ts';
import { MIN_OIDC_VERSION, NEXTCLOUD_DOCKERFILE, REPO_ROOT } from './nextcloud-image.ts';
import { parseDockerfile, type DockerfileStage } from './parse-dockerfile.ts';

const text = readFileSync(join(REPO_ROOT, NEXTCLOUD_DOCKERFILE), 'utf8');

const spec = (app: string): AppStageSpec => APP_STAGE_SPECS.find((s) => s.app === app)!;

/** The stages of one rendered block, behind a stand-in `build-tools` stage. */
function stagesOf(block: string): DockerfileStage[] {
  return parseDockerfile(`FROM scratch AS build-tools\n${block}\n`).stages.slice(1);
}

const runs = (s: DockerfileStage): string[] => s.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);

describe('docker/nextcloud/Dockerfile app stages', () => {
  it('are what docker/dockerfile-app-stages.ts renders (run `npm run docs:dockerfile` after changing it)', () => {
    expect(text).toContain(`\n${APP_STAGES_START}\n`);
    expect(text).toContain(`\n${APP_STAGES_END}\n`);
    expect(withAppStages(text, dockerfileAppStages()), 'docker/nextcloud/Dockerfile is stale: run `npm run docs:dockerfile`').toBe(text);
  });

  it('has one block per image app, in IMAGE_APPS order, and none for the extra apps only', () => {
    expect(APP_STAGE_SPECS.map((s) => s.app)).toEqual([...IMAGE_APPS]);
    expect(APP_STAGE_SPECS.filter((s) => s.none).map((s) => s.app)).toEqual([...EXTRA_APPS]);
    expect(spec('oidc').upstream).toBe('H2CK/oidc');
    expect(spec('notes').upstream).toBe('nextcloud/notes; releases from nextcloud-releases/notes');
  });

  it('renders every source of an app, and <app>-source-none only for an app the image can go without', () => {
    const common = (app: string): string[] => [
      `${app}-source-release`,
      `${app}_src`,
      `${app}-checkout-context`,
      `${app}-checkout-git`,
      `${app}-checkout`,
      `${app}-js`,
      `${app}-built`,
      `${app}-source-git`,
      `${app}-source-context`,
      `${app}-source-built`,
    ];
    for (const app of ['oidc', 'user_oidc']) {
      expect(stagesOf(appStages(spec(app))).map((s) => s.name), app).toEqual([...common(app), `${app}-app`]);
    }
    for (const app of EXTRA_APPS) {
      const stages = stagesOf(appStages(spec(app)));
      expect(stages.map((s) => s.name), app).toEqual([...common(app), `${app}-source-none`, `${app}-app`]);
      expect(runs(stages.find((s) => s.name === `${app}-source-none`)!)).toEqual(['mkdir -p /out']);
    }
    const withoutNone = stagesOf(appStages({ ...spec('notes'), none: false }));
    expect(withoutNone.map((s) => s.name)).not.toContain('notes-source-none');
    expect(withoutNone.at(-1)!.base).toBe('notes-source-${NOTES_SOURCE}');
  });

  it(`keeps oidc's minimum ${MIN_OIDC_VERSION}: before the download, and on a checkout's and a directory's info.xml`, () => {
    expect(spec('oidc').minimumVersion).toBe(MIN_OIDC_VERSION);
    const oidc = stagesOf(appStages(spec('oidc')));
    const run = (name: string): string => runs(oidc.find((s) => s.name === name)!).join('\n');
    expect(run('oidc-source-release')).toBe(
      `/opt/nc-oauth-lab-build/require-version.sh oidc "$OIDC_VERSION" ${MIN_OIDC_VERSION} OIDC_VERSION && ` +
        '/opt/nc-oauth-lab-build/fetch-release.sh oidc "$OIDC_VERSION" "$OIDC_RELEASE_URL" /out "$RELEASE_MIRROR"',
    );
    expect(run('oidc-js')).toBe(
      'version="$(/opt/nc-oauth-lab-build/app-version.sh /src/oidc)" && ' +
        `/opt/nc-oauth-lab-build/require-version.sh oidc "$version" ${MIN_OIDC_VERSION} "the oidc checkout's appinfo/info.xml version" && ` +
        '/opt/nc-oauth-lab-build/build-js.sh /src/oidc',
    );
    expect(run('oidc-source-built')).toBe(
      'version="$(/opt/nc-oauth-lab-build/app-version.sh /out/oidc)" && ' +
        `/opt/nc-oauth-lab-build/require-version.sh oidc "$version" ${MIN_OIDC_VERSION} "the oidc directory's appinfo/info.xml version"`,
    );
    // The other apps have no minimum: their version is read, not checked.
    for (const app of IMAGE_APPS.filter((a) => a !== 'oidc')) {
      expect(spec(app).minimumVersion, app).toBeUndefined();
      expect(appStages(spec(app)), app).not.toContain('require-version.sh');
      expect(runs(stagesOf(appStages(spec(app))).find((s) => s.name === `${app}-source-built`)!)).toEqual([`/opt/nc-oauth-lab-build/app-version.sh /out/${app}`]);
    }
    // A minimum given to another app is checked the same three ways.
    const notes = appStages({ ...spec('notes'), minimumVersion: '5.0.0' });
    expect(notes.match(/require-version\.sh notes "\$(NOTES_VERSION|version)" 5\.0\.0 /g)).toHaveLength(3);
  });

  it('renders the same block for every app but its name, upstream, minimum and none', () => {
    const generic = (s: AppStageSpec): string =>
      appStages({ ...s, minimumVersion: undefined, none: true })
        .split('\n')
        .filter((line) => !line.startsWith('#'))
        .join('\n')
        .replaceAll(s.app.toUpperCase(), 'APP')
        .replaceAll(s.app, 'app');
    const first = generic(APP_STAGE_SPECS[0]!);
    for (const s of APP_STAGE_SPECS) expect(generic(s), s.app).toBe(first);
  });

  it('writes lines the Dockerfile can hold: comments within its width, no blank line inside an instruction', () => {
    const region = dockerfileAppStages();
    for (const line of region.split('\n').filter((l) => l.startsWith('#'))) expect(line.length, line).toBeLessThanOrEqual(DOCKERFILE_WIDTH);
    expect(region).not.toMatch(/\\\n\s*\n/);
    expect(region).not.toContain(APP_STAGES_START);
    expect(region).not.toContain(APP_STAGES_END);
  });

  it('replaces only the lines between the markers, and says so when they are missing', () => {
    const file = `FROM a AS b\n${APP_STAGES_START}\nold\nlines\n${APP_STAGES_END}\nFROM b\n`;
    expect(withAppStages(file, 'new')).toBe(`FROM a AS b\n${APP_STAGES_START}\nnew\n${APP_STAGES_END}\nFROM b\n`);
    expect(withAppStages(withAppStages(file, 'new'), 'new')).toBe(withAppStages(file, 'new'));
    expect(() => withAppStages('FROM a\n', 'new')).toThrow(/no app stage markers/);
    expect(() => withAppStages(`${APP_STAGES_END}\n${APP_STAGES_START}\n`, 'new')).toThrow(/no app stage markers/);
  });
});
