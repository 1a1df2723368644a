import type { NextcloudMajor, PatchMode } from '../../double/index.ts';
import type { NextcloudBuilder } from '../nextcloud-builder.ts';
import { DockerNextcloud, type DockerProviderOptions } from './docker-provider.ts';
import { DoubleNextcloud } from './double-provider.ts';
import { ExternalNextcloud } from './external-provider.ts';

/** The double's variant, as asked for. */
export interface DoubleProviderSpec {
  provider: 'double';
  nextcloud?: NextcloudMajor;
  oidc?: string;
  userOidc?: string;
  patch?: PatchMode;
}

/** An instance that already runs. */
export interface ExternalProviderSpec {
  provider: 'external';
  url: string;
  publicUrl?: string;
  adminUser: string;
  adminPassword: string;
  /** The occ command line, e.g. `docker exec -u www-data nc php occ`. */
  occ: string;
}

/** A container built from docker/nextcloud/Dockerfile (versions, sources, patch, database: `DockerProviderOptions`). */
export interface DockerProviderSpec extends DockerProviderOptions {
  provider: 'docker';
}

/** Which provider to use and its own options, as the CLI and the matrix give them. */
export type ProviderSpec = DoubleProviderSpec | ExternalProviderSpec | DockerProviderSpec;

/** The builder for a provider spec; preparation options are then set on it with `with...()`. */
export function nextcloudBuilder(spec: ProviderSpec): NextcloudBuilder {
  switch (spec.provider) {
    case 'double': {
      const b = new DoubleNextcloud();
      if (spec.nextcloud !== undefined) b.withNextcloud(spec.nextcloud);
      if (spec.oidc !== undefined) b.withOidc(spec.oidc);
      if (spec.userOidc !== undefined) b.withUserOidc(spec.userOidc);
      if (spec.patch !== undefined) b.withPatch(spec.patch);
      return b;
    }
    case 'external': {
      const b = new ExternalNextcloud(spec.url).withAdmin(spec.adminUser, spec.adminPassword).withOcc(spec.occ);
      if (spec.publicUrl !== undefined) b.withPublicUrl(spec.publicUrl);
      return b;
    }
    case 'docker':
      return new DockerNextcloud().withOptions((({ provider: _provider, ...options }) => options)(spec));
  }
}
