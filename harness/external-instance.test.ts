import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { describeOAuthFlows } from './oauth-flow-suite.ts';
import { ExternalNextcloud } from './providers/external-provider.ts';

/** The environment variables that name a real Nextcloud for these tests. */
export const EXTERNAL_ENV = ['NC_EXTERNAL_URL', 'NC_EXTERNAL_ADMIN_USER', 'NC_EXTERNAL_ADMIN_PASSWORD', 'NC_EXTERNAL_OCC'] as const;

const missing = EXTERNAL_ENV.filter((name) => !process.env[name]);

if (missing.length > 0) {
  const reason = `skipped: no external Nextcloud (set ${EXTERNAL_ENV.join(', ')}; missing ${missing.join(', ')})`;
  console.warn(`harness/external-instance.test.ts ${reason}`);
  describe('OAuth flows against an external Nextcloud', () => {
    it.skip(reason, () => undefined);
  });
} else {
  const outputDir = await mkdtemp(join(tmpdir(), 'nclab-external-'));
  afterAll(() => rm(outputDir, { recursive: true, force: true }));
  describeOAuthFlows(
    `OAuth flows against the external Nextcloud at ${process.env['NC_EXTERNAL_URL']}`,
    () =>
      new ExternalNextcloud(process.env['NC_EXTERNAL_URL']!)
        .withAdmin(process.env['NC_EXTERNAL_ADMIN_USER']!, process.env['NC_EXTERNAL_ADMIN_PASSWORD']!)
        .withOcc(process.env['NC_EXTERNAL_OCC']!)
        .withProtectionsOff()
        .start(),
    { timeoutMs: 90_000, outputDir },
  );
}
