import { getContainerRuntimeClient, ImageName } from 'testcontainers';
import { describe, expect, it } from 'vitest';
import { defaultAppVersion, EXTRA_APPS } from '../../docker/index.ts';
import { BASE_IMAGE_ENV, DockerNextcloud, RELEASE_MIRROR_ENV } from './docker-provider.ts';

// The docker provider with the real image: docker/nextcloud/Dockerfile built from the official Nextcloud
// image with the release tarballs of every app, installed, prepared by the harness. It runs wherever a
// Docker engine has the base images (nothing is pulled: a missing one skips the test with a message) and
// the tarballs can be downloaded, from GitHub or from $NC_OAUTH_LAB_RELEASE_MIRROR:
//   docker pull nextcloud:32-apache && docker pull node:20
//   npx vitest run harness/providers/docker-provider-nextcloud.test.ts
// NC_OAUTH_LAB_DOCKER_E2E_NEXTCLOUD picks the major (default 32), NC_OAUTH_LAB_DOCKER_E2E_PATCH the patch;
// NC_OAUTH_LAB_NEXTCLOUD_IMAGE / NC_OAUTH_LAB_NODE_IMAGE name local copies of the base images.

const NEXTCLOUD = process.env['NC_OAUTH_LAB_DOCKER_E2E_NEXTCLOUD'] ?? '32';
const PATCH = (process.env['NC_OAUTH_LAB_DOCKER_E2E_PATCH'] ?? 'none') as 'none' | 'user_oidc-app-api' | 'server-cors';
const BASES = [process.env[BASE_IMAGE_ENV.nextcloud]?.replaceAll('{version}', NEXTCLOUD) || `nextcloud:${NEXTCLOUD}-apache`, process.env[BASE_IMAGE_ENV.node] || 'node:20'];

async function skipReason(): Promise<string | undefined> {
  let client;
  try {
    client = await getContainerRuntimeClient();
  } catch {
    return 'no Docker engine answers';
  }
  const missing: string[] = [];
  for (const base of BASES) if (!(await client.image.exists(ImageName.fromString(base)))) missing.push(base);
  if (missing.length > 0) return `the official base images are not on this engine (nothing is pulled by tests): docker pull ${missing.join(' && docker pull ')}`;
  if (process.env[RELEASE_MIRROR_ENV]) return undefined;
  const github = await fetch('https://github.com/', { method: 'HEAD', signal: AbortSignal.timeout(5000) }).then(
    () => true,
    () => false,
  );
  return github ? undefined : `GitHub's release downloads cannot be reached: set ${RELEASE_MIRROR_ENV} to a mirror of the app tarballs (docker/README.md)`;
}

const reason = await skipReason();
if (reason) console.warn(`real Nextcloud docker test skipped: ${reason}`);

describe.skipIf(reason !== undefined)(`the docker provider with the real Nextcloud ${NEXTCLOUD} image`, () => {
  it('builds, installs, runs the hooks, and the harness finds the variant and a working DCR', async () => {
    const progress: string[] = [];
    const nc = await new DockerNextcloud().withNextcloud(NEXTCLOUD).withPatch(PATCH).withProgress((l) => progress.push(l)).withProtectionsOff().start();
    try {
      expect(nc.provider).toBe('docker');
      expect(nc.variant.nextcloudMajor).toBe(Number(NEXTCLOUD));
      expect(nc.variant.isDouble).toBe(false);
      expect(nc.variant.patch).toBe(PATCH);
      expect(nc.variant.oidc).toMatch(/^\d+\.\d+\.\d+/);
      const status = (await (await fetch(`${nc.baseUrl}/status.php`)).json()) as { installed: boolean };
      expect(status.installed).toBe(true);
      const bearer = await nc.occ(['config:system:get', 'user_oidc', 'oidc_provider_bearer_validation', '--output=json']);
      expect(bearer.stdout.trim()).toBe('true');
      // The apps the scenarios measure, enabled at the versions the data chooses for the major.
      const listed = JSON.parse((await nc.occ(['app:list', '--output=json'])).stdout) as { enabled: Record<string, string> };
      for (const app of EXTRA_APPS) {
        const version = defaultAppVersion(app, Number.parseInt(NEXTCLOUD, 10));
        if (version) expect(listed.enabled[app], app).toBe(version);
        else expect(listed.enabled[app], app).toBeUndefined();
      }
      const register = await fetch(`${nc.baseUrl}/index.php/apps/oidc/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ client_name: 'nc-oauth-lab docker test', redirect_uris: ['http://127.0.0.1:9/callback'] }),
      });
      expect(register.status).toBe(201);
    } catch (error) {
      console.error((await nc.logs()).slice(-20_000));
      throw error;
    } finally {
      await nc.stop();
    }
  }, 1_800_000);
});
