import type { VersionRange } from './version-range.ts';

/** Ids of the companion patches (the same names as the double's patch modes). */
export const PATCH_IDS = ['user_oidc-app-api', 'server-cors'] as const;

/** A companion patch id. */
export type PatchId = (typeof PATCH_IDS)[number];

/**
 * Stable ids of the matrix checks the companion patches are expected to change: the two bold rows of the facts
 * page, section "Bearer tokens on Nextcloud APIs" (a bearer-only GET and POST of the Notes API: 401
 * "CORS requires basic auth" unpatched, 200 patched). The matrix reuses these ids.
 */
export const PATCH_CHECK_IDS = {
  /** `GET /index.php/apps/notes/api/v1/notes` with only `Authorization: Bearer`. */
  bearerNotesGet: 'bearer.notes.get',
  /** `POST /index.php/apps/notes/api/v1/notes` with only `Authorization: Bearer`. */
  bearerNotesPost: 'bearer.notes.post',
} as const;

/** One of `PATCH_CHECK_IDS`. */
export type PatchCheckId = (typeof PATCH_CHECK_IDS)[keyof typeof PATCH_CHECK_IDS];

/** What a patch targets: an app (found by `appinfo/info.xml`) or the server (found by `version.php`). */
export type PatchComponent =
  | { kind: 'app'; appId: string; label: string }
  | { kind: 'server'; label: string };

/** An upstream pull request the patch stands for. */
export interface UpstreamRef {
  /** `owner/repo#N` */
  ref: string;
  url: string;
  /** Status when the patch was last checked against upstream. */
  status: 'open' | 'merged' | 'closed';
}

/** An anchor: a statement the patch finds with the PHP parser and inserts next to. */
export interface AnchorSpec {
  id: string;
  /** How the anchor reads in messages, e.g. "`return $oidcProviderUserId;`". */
  description: string;
  /** Where the patch inserts relative to the anchor. */
  position: 'before' | 'after';
}

/** One anchor found in the file, and whether the patched statement is already next to it. */
export interface AnchorMatch {
  anchor: string;
  /** 1-based line of the anchor statement in the original file. */
  line: number;
  /** The patched statement is already next to the anchor. */
  patched: boolean;
  /** ... and carries nc-oauth-lab's marker comment (false: it came from elsewhere, e.g. upstream). */
  marked: boolean;
}

/** One insertion the patch made. */
export interface PatchEdit {
  anchor: string;
  position: 'before' | 'after';
  /** 1-based line of the anchor statement in the original file. */
  anchorLine: number;
  /** 1-based line of the first inserted line in the patched file. */
  line: number;
  /** The inserted text, without its line breaks (lines joined by `\n`). */
  text: string;
}

/** What a transform finds in a file: the anchors, the edits it would make, the patched text, and any problem. */
export interface TransformResult {
  anchors: AnchorMatch[];
  edits: PatchEdit[];
  /** The patched text (the original when `edits` is empty). */
  patched: string;
  /** Anchors that are missing or changed shape, one message each naming the anchor (empty when all is well). */
  problems: string[];
}

/** A companion patch: its definition as data, plus the transform from original to patched text. */
export interface PatchDefinition {
  id: PatchId;
  summary: string;
  component: PatchComponent;
  /** The target file, relative to the app or server root. */
  file: string;
  /** Where the anchors live, for messages (`Backend::getCurrentUserId()`). */
  scope: string;
  /** Versions of the component the patch applies to. */
  versions: VersionRange;
  /** Why the patch does not apply below `versions`. */
  notApplicableReason: string;
  upstream: UpstreamRef;
  /** Matrix checks the patch is expected to change. */
  changesChecks: readonly PatchCheckId[];
  /** Known side effects of running with the patch. */
  sideEffects: readonly string[];
  anchors: readonly AnchorSpec[];
  /** The marker that ends every line nc-oauth-lab inserts, e.g. `nc-oauth-lab:user_oidc-app-api`. */
  marker: string;
  /** Finds the anchors in `source` (the target file's text) and computes the patched text. */
  transform(source: string, file: string): TransformResult;
}
