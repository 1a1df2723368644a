import { compareSemver, parseSemver, type Semver } from '../../double/version-gates.ts';
import type { Variant } from '../variant.ts';
import { ExpectationsError } from './expectations-error.ts';
import type { Component, ExpectationCondition, ExpectationEntry, FailsWith, SupportStatement, VersionRangeStatement } from './expectations-schema.ts';

/** The expectations data, loaded and linted (see `loadExpectations`). */
export interface ExpectationSet {
  /** Expectations by check id. */
  checks: ReadonlyMap<string, ExpectationEntry>;
  /** Shared conditions by name. */
  conditions: ReadonlyMap<string, ExpectationCondition>;
}

/** What a variant is evaluated with: the variant and the version of the included MCP server (the tool's). */
export interface EvaluationContext {
  variant: Variant;
  mcpServer: string;
}

/** A statement that explains an expected outcome, as reports show it. */
export interface ExpectationReason {
  /** `check` for the check's own statements, else the name of the included condition. */
  source: string;
  component: Component;
  /** The statement's versions and conditions in words, e.g. `oidc 1.11.0 to before 1.16.2`. */
  when: string;
  notes: string;
  impl_url?: string;
  /** How the check fails for this reason (status, and message text where the data gives one). */
  fails_with?: FailsWith;
}

/** The expected outcome of one check for one variant, with the statements that decide it. */
export interface ExpectedOutcome {
  outcome: 'pass' | 'fail' | 'unknown';
  /** For `fail`: the statements of the components that do not support the check; for `pass`: the matching ones. */
  reasons: ExpectationReason[];
}

/** The version a variant has of a component. */
export function componentVersion(component: Component, ctx: EvaluationContext): Semver | undefined {
  switch (component) {
    case 'nextcloud':
      return [ctx.variant.nextcloud, 0, 0];
    case 'oidc':
      return parseSemver(ctx.variant.oidc);
    case 'user_oidc':
      return parseSemver(ctx.variant.userOidc);
    case 'mcp_server':
      return parseSemver(ctx.mcpServer);
  }
}

function inVersionRange(v: Semver | undefined, added: string | boolean, removed: string | undefined): boolean {
  if (added === false || v === undefined) return false;
  if (added !== true) {
    const from = parseSemver(added);
    if (!from || compareSemver(v, from) < 0) return false;
  }
  if (removed !== undefined) {
    const to = parseSemver(removed);
    if (!to || compareSemver(v, to) >= 0) return false;
  }
  return true;
}

/** Whether the statement's patches and requires hold for the variant (its own version range aside). */
export function conditionsHold(s: SupportStatement, ctx: EvaluationContext): boolean {
  if (s.patches && !s.patches.includes(ctx.variant.patch)) return false;
  const r = s.requires;
  if (!r) return true;
  if (r.ocsHeader !== undefined && r.ocsHeader !== ctx.variant.ocsHeader) return false;
  for (const component of ['nextcloud', 'oidc', 'user_oidc', 'mcp_server'] as const) {
    const range: VersionRangeStatement | undefined = r[component];
    if (range && !inVersionRange(componentVersion(component, ctx), range.version_added, range.version_removed)) return false;
  }
  return true;
}

/** Whether a statement matches a variant: its conditions hold and the component's version lies in its range. */
export function statementMatches(s: SupportStatement, ctx: EvaluationContext): boolean {
  return conditionsHold(s, ctx) && inVersionRange(componentVersion(s.component, ctx), s.version_added, s.version_removed);
}

function rangeWords(added: string | boolean, removed: string | undefined): string {
  if (added === false) return 'never';
  if (added === true) return removed ? `before ${removed}` : 'every version';
  return removed ? `${added} to before ${removed}` : `>= ${added}`;
}

/** A statement's versions and conditions in words, e.g. `user_oidc 7.3.2 to before 7.3.3, with Nextcloud >= 32`. */
export function describeStatement(s: SupportStatement): string {
  const names: Record<Component, string> = { nextcloud: 'Nextcloud', oidc: 'oidc', user_oidc: 'user_oidc', mcp_server: 'MCP server' };
  const parts = [`${names[s.component]} ${rangeWords(s.version_added, s.version_removed)}`];
  if (s.patches) parts.push(`with patch ${s.patches.join(' or ')}`);
  const r = s.requires;
  if (r?.ocsHeader !== undefined) parts.push(r.ocsHeader ? 'when the MCP server sends OCS-APIRequest' : 'when the MCP server sends no OCS-APIRequest');
  for (const c of ['nextcloud', 'oidc', 'user_oidc', 'mcp_server'] as const) {
    const range = r?.[c];
    if (range) parts.push(`with ${names[c]} ${rangeWords(range.version_added, range.version_removed)}`);
  }
  return parts.join(', ');
}

function reason(source: string, s: SupportStatement): ExpectationReason {
  return {
    source,
    component: s.component,
    when: describeStatement(s),
    notes: s.notes,
    ...(s.impl_url ? { impl_url: s.impl_url } : {}),
    ...(s.fails_with ? { fails_with: { ...s.fails_with } } : {}),
  };
}

/**
 * The statements that best explain why none of a component's statements matches: first the
 * `version_added: false` statements whose conditions hold, then those whose version range holds but whose
 * conditions do not (the patch, header or other version that would make it pass); else the statements whose conditions hold
 * (their ranges say which versions would pass); else all of them.
 */
function explaining(group: readonly SupportStatement[], ctx: EvaluationContext): SupportStatement[] {
  const rangeHolds = (s: SupportStatement): boolean => inVersionRange(componentVersion(s.component, ctx), s.version_added, s.version_removed);
  const direct = [
    ...group.filter((s) => s.version_added === false && conditionsHold(s, ctx)),
    ...group.filter((s) => s.version_added !== false && rangeHolds(s) && !conditionsHold(s, ctx)),
  ];
  if (direct.length > 0) return direct;
  const holding = group.filter((s) => conditionsHold(s, ctx));
  return holding.length > 0 ? holding : [...group];
}

/** Evaluates one group of statements (AND across components, OR within a component). */
function evaluateStatements(source: string, statements: readonly SupportStatement[], ctx: EvaluationContext): { pass: boolean; reasons: ExpectationReason[] } {
  const byComponent = new Map<Component, SupportStatement[]>();
  for (const s of statements) byComponent.set(s.component, [...(byComponent.get(s.component) ?? []), s]);
  const passing: ExpectationReason[] = [];
  const failing: ExpectationReason[] = [];
  for (const group of byComponent.values()) {
    const matching = group.filter((s) => statementMatches(s, ctx));
    if (matching.length > 0) {
      passing.push(...matching.map((s) => reason(source, s)));
    } else {
      failing.push(...explaining(group, ctx).map((s) => reason(source, s)));
    }
  }
  return failing.length > 0 ? { pass: false, reasons: failing } : { pass: true, reasons: passing };
}

/**
 * The expected outcome of a check for a variant, from the expectations data: `unknown` when the data has
 * no entry for the check, else `pass` or `fail` with the statements that decide it (see the rules in
 * expectations-schema.ts). Throws when the entry includes a condition the data does not define (the lint
 * rejects such data first).
 */
export function expectedOutcome(set: ExpectationSet, checkId: string, ctx: EvaluationContext): ExpectedOutcome {
  const entry = set.checks.get(checkId);
  if (!entry) return { outcome: 'unknown', reasons: [] };
  const results: { pass: boolean; reasons: ExpectationReason[] }[] = [];
  if (entry.support.length > 0) results.push(evaluateStatements('check', entry.support, ctx));
  for (const name of entry.include ?? []) {
    const condition = set.conditions.get(name);
    if (!condition) throw new ExpectationsError(`check ${checkId} includes unknown condition '${name}'`);
    results.push(evaluateStatements(name, condition.support, ctx));
  }
  if (results.length === 0) return { outcome: 'unknown', reasons: [] };
  const failed = results.filter((r) => !r.pass);
  if (failed.length > 0) return { outcome: 'fail', reasons: failed.flatMap((r) => r.reasons) };
  return { outcome: 'pass', reasons: results.flatMap((r) => r.reasons) };
}

/**
 * Whether a failure observed with `observed` is the failure the data expects: true when none of the
 * reasons says how the check fails (the data gives no reason to compare with), else when one reason's
 * `fails_with` has the observed status and, where it gives a message, the observed message contains it.
 */
export function failsAsExpected(observed: { status?: number; message?: string }, reasons: readonly Pick<ExpectationReason, 'fails_with'>[]): boolean {
  const expected = reasons.flatMap((r) => (r.fails_with ? [r.fails_with] : []));
  if (expected.length === 0) return true;
  return expected.some((f) => f.status === observed.status && (f.message === undefined || (observed.message ?? '').includes(f.message)));
}

/** The expected failures of `reasons` in words, e.g. `401 "CORS requires basic auth"`; empty when none gives one. */
export function describeExpectedFailure(reasons: readonly Pick<ExpectationReason, 'fails_with'>[]): string {
  const seen = new Set<string>();
  for (const r of reasons) if (r.fails_with) seen.add(`${r.fails_with.status}${r.fails_with.message ? ` "${r.fails_with.message}"` : ''}`);
  return [...seen].join(' or ');
}
