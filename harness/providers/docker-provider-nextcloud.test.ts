import { getContainerRuntimeClient, ImageName } from 'testcontainers';
import { describe, expect, it } from 'vitest';
import { DockerNextcloud } from './docker-provider.ts';

// The docker provider with the real image: docker/nextcloud/Dockerfile built from the official Nextcloud
// image with the oidc and user_oidc release tarballs, installed, prepared by the harness. It needs a Docker
// engine, the base images and network access to GitHub's release downloads, so it runs only when asked:
//   docker pull nextcloud:32-apache && docker pull node:20
//   NC_OAUTH_LAB_DOCKER_E2E=1 npx vitest run harness/providers/docker-provider-nextcloud.test.ts
// NC_OAUTH_LAB_DOCKER_E2E_NEXTCLOUD picks the major (default 32), NC_OAUTH_LAB_DOCKER_E2E_PATCH the patch.
// Nothing is pulled by the check below: a missing base image skips the test with a message.

const NEXTCLOUD = process.env['NC_OAUTH_LAB_DOCKER_E2E_NEXTCLOUD'] ?? '32';
const PATCH = (process.env['NC_OAUTH_LAB_DOCKER_E2E_PATCH'] ?? 'none') as 'none' | 'user_oidc-app-api' | 'server-cors';
const BASES = [`nextcloud:${NEXTCLOUD}-apache`, 'node:20'];

async function skipReason(): Promise<string | undefined> {
  if (process.env['NC_OAUTH_LAB_DOCKER_E2E'] !== '1') {
    return 'set NC_OAUTH_LAB_DOCKER_E2E=1 to build and run the real Nextcloud image (needs Docker, the base images and GitHub release downloads)';
  }
  let client;
  try {
    client = await getContainerRuntimeClient();
  } catch {
    return 'NC_OAUTH_LAB_DOCKER_E2E=1 but no Docker engine answers';
  }
  const missing: string[] = [];
  for (const base of BASES) if (!(await client.image.exists(ImageName.fromString(base)))) missing.push(base);
  return missing.length > 0 ? `the official base images cannot be pulled here and are not present: docker pull ${missing.join(' && docker pull ')}` : undefined;
}

const reason = await skipReason();
if (reason) console.warn(`real Nextcloud docker test skipped: ${reason}`);

describe.skipIf(reason !== undefined)(`the docker provider with the real Nextcloud ${NEXTCLOUD} image (NC_OAUTH_LAB_DOCKER_E2E)`, () => {
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
