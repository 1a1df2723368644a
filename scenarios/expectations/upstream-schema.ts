import { z } from 'zod';

/**
 * The upstream items the status page (`nc-oauth-lab status`) reports on, as data next to the expectations
 * (scenarios/expectations/upstream/*.json): an upstream pull request or issue, its state as last checked,
 * the matrix checks it is about, the workaround this tool offers (a companion patch, or the
 * `OCS-APIRequest` header) and the known side effects of that workaround. Whether an item is still needed
 * is never written here: the status page computes it from the cells of the matrices it reads.
 */

/** The components an upstream item belongs to. */
export const UPSTREAM_COMPONENTS = ['nextcloud', 'oidc', 'user_oidc'] as const;

/** `nextcloud/user_oidc#1221`. */
const REF = /^[A-Za-z0-9][\w.-]*\/[\w.-]+#\d+$/;

/** A known side effect of a workaround; `checks` are the matrix checks that measure it. */
export const sideEffectSchema = z.strictObject({
  description: z.string().min(1),
  checks: z.array(z.string().min(1)).optional().describe('Matrix checks that measure the side effect (they fail where it shows).'),
});

/** A workaround with one of the companion patches (`nc-oauth-lab patch apply --patch <id>`). */
export const patchWorkaroundSchema = z.strictObject({
  patch: z.string().min(1).describe('A companion patch id (nc-oauth-lab patch list).'),
  fixes: z.array(z.string().min(1)).min(1).optional().describe("The item's checks this workaround fixes (default: all of them)."),
  sideEffects: z.array(sideEffectSchema).default([]),
});

/** A workaround by sending `OCS-APIRequest: true` (the included MCP server's default; the matrix's `hdr` variants). */
export const headerWorkaroundSchema = z.strictObject({
  header: z.literal('OCS-APIRequest'),
  fixes: z.array(z.string().min(1)).min(1).optional().describe("The item's checks this workaround fixes (default: all of them)."),
  sideEffects: z.array(sideEffectSchema).default([]),
});

/** A workaround: a patch or the header. */
export const workaroundSchema = z.union([patchWorkaroundSchema, headerWorkaroundSchema]);

/** The state of an upstream item when it was last checked. */
export const upstreamStateSchema = z
  .strictObject({
    status: z.enum(['open', 'merged', 'released', 'closed']),
    /** For `released`: the first release that carries it (`1.10.0`, Nextcloud `31.0.0`). */
    version: z.string().min(1).optional(),
    /** The day the state was last checked (YYYY-MM-DD). */
    checked: z.iso.date({ error: 'checked must be a date such as 2026-12-02' }),
    /** How the state was established (e.g. which parts were read upstream and which come from the facts page). */
    notes: z.string().min(1).optional(),
  })
  .refine((s) => s.status !== 'released' || s.version !== undefined, { message: 'a released item needs the version it was released in', path: ['version'] });

/** One upstream item. */
export const upstreamItemSchema = z.strictObject({
  /** `owner/repo#N`. */
  ref: z.string().regex(REF, 'ref must be owner/repo#N, e.g. nextcloud/user_oidc#1221'),
  url: z.url({ protocol: /^https$/, error: 'url must be an https URL' }),
  title: z.string().min(1),
  component: z.enum(UPSTREAM_COMPONENTS),
  state: upstreamStateSchema,
  /** The matrix checks whose failure the item is about (they pass once it is fixed). */
  fixes: z.array(z.string().min(1)).min(1),
  /**
   * The variants that measure the item without a workaround, besides `patch: none`: `{"ocsHeader": false}`
   * when the header is itself a workaround of the item.
   */
  scope: z
    .strictObject({
      ocsHeader: z.boolean().optional(),
      /**
       * Why the matrix's variants do not exercise the code path the item is about (e.g. a registered
       * user_oidc provider, where the matrix validates tokens with the oidc app): its checks are then shown
       * as what this tool sees on its own path, and the item is never called fixed or still needed.
       */
      untested: z.string().min(1).optional(),
    })
    .optional(),
  workarounds: z.array(workaroundSchema).default([]),
  notes: z.string().min(1).optional(),
});

/** One file of scenarios/expectations/upstream/. */
export const upstreamFileSchema = z.strictObject({
  $schema: z.string().optional(),
  $comment: z.string().optional(),
  items: z.array(upstreamItemSchema).min(1),
});

/** An upstream item, parsed. */
export type UpstreamItem = z.infer<typeof upstreamItemSchema>;
/** A workaround, parsed. */
export type Workaround = z.infer<typeof workaroundSchema>;
/** A side effect, parsed. */
export type SideEffect = z.infer<typeof sideEffectSchema>;
