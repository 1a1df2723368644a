/**
 * Faults the double can be told to simulate: failures that real Nextcloud has shown and that the harness
 * must survive. They are double-only (`startDouble({ faults })`, `nc-oauth-lab double --fault NAME`); no
 * scenario of the matrix turns one on.
 *
 * - `user-create-fails-after-create`: the provisioning API's `POST cloud/users` creates the account, then
 *   answers HTTP 500 with OCS status 996 and "Internal Server Error" (what `ocs/v1.php` answers for an
 *   exception nobody handled, from code: nextcloud/server ocs/v1.php). Observed on a real Nextcloud 34.0.1,
 *   where the avatar of the new account could not be generated: the account existed all the same.
 * - `slow-occ`: every command through the occ endpoint (`nc-oauth-lab double occ`) takes a second more. Real
 *   occ boots Nextcloud for each call (from code: occ loads lib/base.php every time), which takes about that
 *   long; the double answers in milliseconds, which hides what happens while a cleanup of many occ calls runs.
 */
export const DOUBLE_FAULTS = ['user-create-fails-after-create', 'slow-occ'] as const;

/** How long `slow-occ` delays each occ call, in ms. */
export const SLOW_OCC_MS = 1000;

/** A fault the double can simulate. */
export type DoubleFault = (typeof DOUBLE_FAULTS)[number];

/** Whether `name` is a fault of the double. */
export function isDoubleFault(name: string): name is DoubleFault {
  return (DOUBLE_FAULTS as readonly string[]).includes(name);
}
