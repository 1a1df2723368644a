import type { PatchDefinition } from './patch-definition.ts';
import { PATCH_IDS } from './patch-definition.ts';
import { UnknownPatchError } from './patch-error.ts';
import { serverCorsPatch } from './server-cors.ts';
import { userOidcAppApiPatch } from './user-oidc-app-api.ts';

/** Every companion patch, in `PATCH_IDS` order. */
export const PATCHES: readonly PatchDefinition[] = [userOidcAppApiPatch, serverCorsPatch];

/** The patch with id `id`; throws `UnknownPatchError` naming the known ids otherwise. */
export function findPatch(id: string): PatchDefinition {
  const patch = PATCHES.find((p) => p.id === id);
  if (!patch) throw new UnknownPatchError(`unknown patch '${id}': the patches are ${PATCH_IDS.join(', ')} (see 'nc-oauth-lab patch list')`);
  return patch;
}
