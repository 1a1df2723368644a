import { HarnessError } from '../harness-error.ts';
import { NextcloudBuilder } from '../nextcloud-builder.ts';
import type { LaunchContext, LaunchedNextcloud, TestUserRequest } from '../nextcloud-instance.ts';

/**
 * The `docker` provider: builds and starts a Nextcloud image of docker/ (issue 7). Until that lands it only
 * says so; it implements `NextcloudProvider.launch()` like the other providers and adds its own `with...()`
 * methods (versions, patch, database), and the harness prepares what it launches the same way.
 */
export class DockerNextcloud extends NextcloudBuilder {
  readonly providerName = 'docker' as const;

  protected defaultUsers(): TestUserRequest[] {
    return [{ uid: 'alice' }, { uid: 'bob' }];
  }

  async launch(_context: LaunchContext): Promise<LaunchedNextcloud> {
    throw new HarnessError('ERR_PROVIDER_UNAVAILABLE', 'the docker provider is not available yet: use --provider double, or --provider external with a Nextcloud you started');
  }
}
