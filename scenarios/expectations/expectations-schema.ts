import { z } from 'zod';

/**
 * The shape of the expectations data (scenarios/expectations/*.json), in the spirit of
 * mdn/browser-compat-data: for each check id, support statements by component version ranges, patches
 * and MCP-server settings, each with notes and the upstream link that explains it.
 *
 * How a check's expected outcome for a variant is decided (see `expectedOutcome`):
 * - A statement MATCHES a variant when the variant's version of `component` lies in
 *   [`version_added`, `version_removed`) (`true`: every version; `false`: never), the variant's patch mode is
 *   one of `patches` (when given; `"none"` names the unpatched variant), and every `requires` holds
 *   (`ocsHeader` equals the variant's, and each named component's version lies in its range).
 * - The check's own statements are grouped by component. A component supports the check when ANY of its
 *   statements matches; the check is expected to pass when EVERY component that has statements supports it.
 * - Each condition named in `include` (defined once under `conditions`, e.g. "user_oidc accepts bearer
 *   tokens of the oidc app") is evaluated the same way on its own and must hold too.
 * - `version_added: false` statements never match: they document why the check fails (notes + link).
 * - A check without an entry is `unknown`.
 * - `fails_with` says how the check fails where the statement explains an expected failure: the status the
 *   scenario observes and, optionally, text its message contains. A cell that fails where the data says it
 *   fails, but with another status (or without that text), is `wrong-reason`, never an expected failure.
 */

/** The components a statement can be about. */
export const COMPONENTS = ['nextcloud', 'oidc', 'user_oidc', 'mcp_server'] as const;

/** A component of a variant: Nextcloud (majors), the two apps, and the included MCP server (the tool's version). */
export type Component = (typeof COMPONENTS)[number];

const version = z.string().min(1, 'a version must not be empty');

/** A version range of another component a statement requires: [version_added, version_removed). */
export const rangeSchema = z.strictObject({
  version_added: version.describe('First version of the range (Nextcloud: a major such as "32"; apps: 1.10.0).'),
  version_removed: version.optional().describe('First version after the range (exclusive).'),
});

/** A version range of another component. */
export type VersionRangeStatement = z.infer<typeof rangeSchema>;

/** How a check fails where a statement explains the failure: the observed status and, optionally, message text. */
export const failsWithSchema = z.strictObject({
  status: z.int().describe('The status the scenario observes when the check fails for this reason (HTTP status, or the MCP/JSON-RPC code).'),
  message: z.string().min(1).optional().describe('Text the observed message contains when the check fails for this reason (case-sensitive), e.g. "CORS requires basic auth".'),
}).describe('How the check fails where this statement explains the failure. Another status, or a message without this text, is a failure for another reason (wrong-reason).');

/** How a check fails for the reason a statement gives. */
export type FailsWith = z.infer<typeof failsWithSchema>;

/** What else must hold for a statement to match. */
export const requiresSchema = z.strictObject({
  /** Whether the MCP server sends `OCS-APIRequest: true` (the variant's `ocsHeader`). */
  ocsHeader: z.boolean().optional().describe('Whether the MCP server sends OCS-APIRequest: true (the variant\'s ocsHeader).'),
  nextcloud: rangeSchema.optional(),
  oidc: rangeSchema.optional(),
  user_oidc: rangeSchema.optional(),
  mcp_server: rangeSchema.optional(),
}).describe('What else must hold for the statement to match: the MCP header, versions of other components.');

/** One support statement. */
export const statementSchema = z.strictObject({
  component: z.enum(COMPONENTS).describe('The component whose versions the statement is about.'),
  /** First version that supports the check; `true`: every version; `false`: not supported (notes say why). */
  version_added: z
    .union([version, z.boolean()])
    .describe('First version that supports the check; true: every version; false: never (the notes say why).'),
  /** First version that no longer supports it (exclusive end of the range). */
  version_removed: version.optional().describe('First version that no longer supports the check (exclusive end).'),
  /** Only for variants with one of these patch modes (`none` = unpatched). */
  patches: z.array(z.string().min(1)).min(1).optional().describe('Only for variants with one of these patch modes ("none": unpatched).'),
  requires: requiresSchema.optional(),
  /** Why: what upstream does in this range. Shown beside an expected failure. */
  notes: z.string().min(1, 'notes must say why').describe('Why: what upstream does here. Shown beside an expected failure.'),
  /** The upstream PR, issue or release that explains the statement (https URL; GitHub `owner/repo#N` as its URL). */
  impl_url: z
    .url({ protocol: /^https$/, error: 'impl_url must be an https URL' })
    .optional()
    .describe('The upstream PR, issue or release that explains the statement (GitHub owner/repo#N as its URL).'),
  /** How the check fails where this statement explains the failure (mostly on `version_added: false` statements). */
  fails_with: failsWithSchema.optional(),
});

/** One support statement. */
export type SupportStatement = z.infer<typeof statementSchema>;

/** The expectations of one check. */
export const entrySchema = z.strictObject({
  /** Free text for editors; not shown in reports. */
  $comment: z.string().optional(),
  /** Shared conditions (from `conditions`) that must hold too. */
  include: z.array(z.string().min(1)).optional().describe('Shared conditions (defined under "conditions") that must hold too.'),
  support: z.array(statementSchema).default([]).describe('Support statements: the check passes when, for every component named, one statement matches.'),
});

/** The expectations of one check. */
export type ExpectationEntry = z.infer<typeof entrySchema>;

/** A shared condition that several checks include. */
export const conditionSchema = z.strictObject({
  $comment: z.string().optional(),
  description: z.string().min(1),
  support: z.array(statementSchema).min(1, 'a condition needs at least one statement'),
});

/** A shared condition. */
export type ExpectationCondition = z.infer<typeof conditionSchema>;

/** One expectations file. */
export const expectationsFileSchema = z.strictObject({
  $schema: z.string().optional(),
  $comment: z.string().optional(),
  conditions: z.record(z.string().min(1), conditionSchema).optional().describe('Conditions shared by several checks, by name.'),
  checks: z.record(z.string().min(1), entrySchema).optional().describe('Expectations by check id (scenarios/checks.ts).'),
});

/** One expectations file, parsed. */
export type ExpectationsFile = z.infer<typeof expectationsFileSchema>;
