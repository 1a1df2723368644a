import type { OccCommand } from '../occ.ts';

/** occ commands of the `oidc` app (`oidc:create`, `oidc:list`, `oidc:remove`). */
export const OIDC_OCC_COMMANDS: readonly OccCommand[] = [];
