import { CHECK_IDS, type CheckId } from '../checks.ts';
import { expectedOutcome, type ExpectationSet } from '../expectations/expected-outcome.ts';
import { DEFAULT_MATRIX_AXES, matrixVariants } from '../fixtures/matrix-spec.ts';
import { loadExpectations } from '../expectations/lint-expectations.ts';
import { normaliseCheckRecord, type CheckObservation } from '../record-check.ts';
import { variantKey, type Provider, type Variant } from '../variant.ts';
import { buildMatrix, type TestObservation, type TestOutcome } from './build-matrix.ts';
import type { Matrix, MatrixVariant } from './matrix-schema.ts';

/**
 * Synthetic matrix data for the report and diff tests: three variants (two on the double, one on docker)
 * and tests that produce every class of cell against the shipped expectations (with `oauth.introspection`
 * left out of the data to give `unknown`). Not used by the tool itself.
 */
export const SYNTHETIC_VARIANTS: readonly { variant: Variant; provider: Provider }[] = [
  { variant: { nextcloud: 32, oidc: '1.16.6', userOidc: '8.10.1', patch: 'none', ocsHeader: false }, provider: 'double' },
  { variant: { nextcloud: 32, oidc: '1.16.6', userOidc: '8.10.1', patch: 'user_oidc-app-api', ocsHeader: false }, provider: 'double' },
  { variant: { nextcloud: 34, oidc: '2.0.9', userOidc: '8.10.1', patch: 'none', ocsHeader: true }, provider: 'docker' },
];

/** A synthetic test's outcome per variant: records `[id, passed, observed]`, declared ids, how it ended. */
export interface SyntheticTest {
  title: string;
  line: number;
  declared?: CheckId[];
  records?: (v: Variant) => [CheckId, boolean, CheckObservation][];
  outcome?: TestOutcome;
  error?: string;
}

/** The synthetic tests: expected-fail, pass, stale, unexpected-fail, error, skipped and unknown cells. */
export const SYNTHETIC_TESTS: readonly SyntheticTest[] = [
  {
    title: 'notes with bearer',
    line: 10,
    records: (v) => [['bearer.notes.get', v.patch !== 'none', v.patch !== 'none' ? { status: 200 } : { status: 401, message: 'CORS requires basic auth' }]],
  },
  { title: 'discovery', line: 20, records: () => [['discovery.pkce-advertised', true, { status: 200 }]] },
  { title: 'two-factor', line: 30, records: () => [['session.twofactor-enforced', true, { status: 200 }]] },
  { title: 'userinfo', line: 40, records: (v) => [['oauth.userinfo', v.nextcloud !== 34, v.nextcloud !== 34 ? { status: 200 } : { status: 500, message: 'Internal Server Error' }]] },
  { title: 'introspection', line: 50, records: () => [['oauth.introspection', true, { status: 200 }]] },
  { title: 'mcp', line: 60, declared: ['mcp.initialize'], outcome: 'failed', error: 'Error: connect ECONNREFUSED 127.0.0.1:1' },
  { title: 'dcr delete', line: 70, declared: ['dcr.delete'], outcome: 'skipped' },
];

/** The variants of the synthetic data as matrix.json records them. */
export function syntheticVariants(variants = SYNTHETIC_VARIANTS): MatrixVariant[] {
  return variants.map(({ variant, provider }) => ({ key: variantKey(variant), project: variantKey(variant), provider, variant: { ...variant } }));
}

/** The test observations of the synthetic tests on the synthetic variants. */
export function syntheticObservations(tests = SYNTHETIC_TESTS, variants = SYNTHETIC_VARIANTS): TestObservation[] {
  return variants.flatMap(({ variant }) =>
    tests.map((t) => ({
      variant: variantKey(variant),
      test: { title: t.title, file: 'synthetic.spec.ts', line: t.line },
      outcome: t.outcome ?? 'passed',
      declared: t.declared ?? [],
      records: (t.records?.(variant) ?? []).map(([id, passed, observed]) => normaliseCheckRecord({ id, passed, observed })),
      ...(t.error ? { error: t.error } : {}),
      links: t.outcome === 'failed' ? [{ name: 'log', path: `logs/${variantKey(variant)}/mcp.log`, contentType: 'text/plain' }] : [],
    })),
  );
}

/** The shipped expectations without `oauth.introspection` (so that check is `unknown`). */
export function syntheticExpectations(): ExpectationSet {
  const set = loadExpectations();
  const checks = new Map(set.checks);
  checks.delete('oauth.introspection');
  return { checks, conditions: set.conditions };
}

/** The synthetic matrix, built like the reporter builds it. */
export function syntheticMatrix(options: { tests?: readonly SyntheticTest[]; variants?: typeof SYNTHETIC_VARIANTS; expectations?: ExpectationSet } = {}): Matrix {
  return buildMatrix({
    variants: syntheticVariants(options.variants),
    tests: syntheticObservations(options.tests, options.variants),
    expectations: options.expectations ?? syntheticExpectations(),
    tool: { name: 'nc-oauth-lab', version: '0.1.0' },
    generatedAt: new Date('2026-01-02T03:04:05Z'),
  });
}

/** Options of `defaultSyntheticMatrix`. */
export interface DefaultSyntheticOptions {
  /** Variants (default: the 8 default variants of `nc-oauth-lab matrix`). */
  variants?: readonly { variant: Variant; provider: Provider }[];
  /** Checks to observe as passed or failed whatever the data says, per variant (to make stale or unexpected cells). */
  override?: (check: CheckId, v: Variant) => boolean | 'skipped' | undefined;
}

/** The 8 variants of the default matrix (Nextcloud 32 and 34, unpatched and patched, with and without the header), on the double. */
export function defaultSyntheticVariants(provider: Provider = 'double'): { variant: Variant; provider: Provider }[] {
  return matrixVariants(DEFAULT_MATRIX_AXES).map((variant) => ({ variant, provider }));
}

/**
 * A synthetic default matrix: every check of the catalogue on the default variants (51 x 8), each observed
 * as the shipped expectations say it should be (pass or fail), unless `override` says otherwise. For report
 * tests that need the size and shape of a real run without running it.
 */
export function defaultSyntheticMatrix(options: DefaultSyntheticOptions = {}): Matrix {
  const variants = options.variants ?? defaultSyntheticVariants();
  const expectations = loadExpectations();
  const tool = { name: 'nc-oauth-lab', version: '0.1.0' };
  const tests: SyntheticTest[] = CHECK_IDS.map((id, i) => ({
    title: `synthetic ${id}`,
    line: 10 + i,
    declared: [id],
    records: (v) => {
      const o = options.override?.(id, v);
      if (o === 'skipped') return [];
      const passed = o ?? expectedOutcome(expectations, id, { variant: v, mcpServer: tool.version }).outcome === 'pass';
      return [[id, passed, passed ? { status: 200 } : { status: 401, message: 'CORS requires basic auth' }]];
    },
  }));
  const observations = syntheticObservations(tests, variants).map((t) => {
    const id = t.declared[0] as CheckId;
    const v = variants.find((x) => variantKey(x.variant) === t.variant)!.variant;
    return options.override?.(id, v) === 'skipped' ? { ...t, outcome: 'skipped' as const } : t;
  });
  return buildMatrix({ variants: syntheticVariants(variants), tests: observations, expectations, tool, generatedAt: new Date('2026-12-02T06:00:00Z') });
}
