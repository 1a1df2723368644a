// Regenerates the app stages of docker/nextcloud/Dockerfile from docker/dockerfile-app-stages.ts
// (`npm run docs:dockerfile`).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerfileAppStages, withAppStages } from './dockerfile-app-stages.ts';
import { NEXTCLOUD_DOCKERFILE, REPO_ROOT } from './nextcloud-image.ts';

const path = join(REPO_ROOT, NEXTCLOUD_DOCKERFILE);
const before = readFileSync(path, 'utf8');
const after = withAppStages(before, dockerfileAppStages());
if (after === before) {
  console.log(`${NEXTCLOUD_DOCKERFILE}: the app stages are up to date`);
} else {
  writeFileSync(path, after);
  console.log(`${NEXTCLOUD_DOCKERFILE}: the app stages rewritten`);
}
