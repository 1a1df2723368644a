import { z } from 'zod';
import { PROVIDERS } from '../variant.ts';
import { CLASSIFICATIONS } from './classify-cell.ts';

/**
 * Version of the matrix.json format. Bump it on any change that an older `matrix diff` would misread;
 * `matrix diff` refuses files of another version.
 */
export const MATRIX_SCHEMA_VERSION = 2;

/**
 * Versions of matrix.json this nc-oauth-lab reads. Version 1 (before exact versions, app versions,
 * `wrong-reason`, `interrupted` and `not-run`) is a subset of version 2: `readMatrixFile` upgrades it.
 */
export const READABLE_MATRIX_SCHEMA_VERSIONS = [1, 2] as const;

/** A variant as matrix.json records it. */
export const matrixVariantSchema = z.object({
  /** Stable key, also the Playwright project name (`nc32-oidc1.16.6-uo8.10.1-none-hdr`). */
  key: z.string().min(1),
  /** Playwright project the variant ran as. */
  project: z.string(),
  provider: z.enum(PROVIDERS),
  variant: z.object({
    nextcloud: z.number().int(),
    oidc: z.string(),
    userOidc: z.string(),
    patch: z.string(),
    ocsHeader: z.boolean(),
  }),
  /**
   * The exact Nextcloud version the instance reported (`32.0.1`), for external and docker instances
   * (status.php `versionstring`); absent for the double, which plays a major.
   */
  nextcloudVersion: z.string().optional(),
  /**
   * Versions of the other apps the scenarios use, as found on the instance (`notes: "4.12.3"`); `null`
   * when the app is not installed or not enabled there. Not matrix axes.
   */
  apps: z.record(z.string(), z.string().nullable()).optional(),
});

/** A check as matrix.json records it (from the catalogue). */
export const matrixCheckSchema = z.object({
  id: z.string().min(1),
  title: z.string(),
  description: z.string(),
  refs: z.array(z.object({ title: z.string(), url: z.string().optional() })),
});

/** A test that observed a cell. */
export const testRefSchema = z.object({ title: z.string(), file: z.string(), line: z.number().int() });

/** What was observed for a cell. */
export const observedSchema = z.object({
  /** `interrupted` / `not-run` (schema 2): the run was stopped while, or before, the test ran. */
  outcome: z.enum(['passed', 'failed', 'error', 'skipped', 'interrupted', 'not-run']),
  status: z.number().int().optional(),
  message: z.string().optional(),
  detail: z.unknown().optional(),
  /** For `error`: why the procedure stopped (redacted). */
  error: z.string().optional(),
  tests: z.array(testRefSchema),
});

/** A statement of the expectations data that explains the expected outcome. */
export const reasonSchema = z.object({
  source: z.string(),
  component: z.string(),
  when: z.string(),
  notes: z.string(),
  impl_url: z.string().optional(),
  /** How the check fails for this reason, where the data says (a failure with another status or message is `wrong-reason`). */
  fails_with: z.object({ status: z.number().int(), message: z.string().optional() }).optional(),
});

/** What the expectations data says for a cell. */
export const expectedSchema = z.object({
  outcome: z.enum(['pass', 'fail', 'unknown']),
  reasons: z.array(reasonSchema),
});

/** A trace, screenshot or log of a failed cell, relative to the report directory. */
export const linkSchema = z.object({ name: z.string(), path: z.string(), contentType: z.string().optional() });

/** One cell: a check on a variant. */
export const matrixCellSchema = z.object({
  check: z.string(),
  /** The variant's key. */
  variant: z.string(),
  classification: z.enum(CLASSIFICATIONS),
  observed: observedSchema,
  expected: expectedSchema,
  links: z.array(linkSchema),
});

/** A cell that makes the run fail. */
export const problemSchema = z.object({ check: z.string(), variant: z.string(), classification: z.enum(CLASSIFICATIONS) });

/** matrix.json. */
export const matrixSchema = z.object({
  schemaVersion: z.literal(MATRIX_SCHEMA_VERSION),
  tool: z.object({ name: z.string(), version: z.string() }),
  generatedAt: z.string(),
  /** True when any variant ran against the Nextcloud double. */
  double: z.boolean(),
  /** `failed` when any cell is a problem (`isProblem`); `interrupted` when the run was stopped before its end. */
  status: z.enum(['passed', 'failed', 'interrupted']),
  /** Present when the run was stopped before every test ran: why, when, and how far it got. */
  interruption: z
    .object({
      /** `SIGINT`, `SIGTERM`, `max-failures`, `timeout` (Playwright's global timeout) or another reason. */
      reason: z.string(),
      /** ISO date of the stop. */
      at: z.string(),
      /** Tests that ended (passed, failed, skipped) before the stop. */
      testsRun: z.number().int(),
      /** Tests the run had. */
      testsTotal: z.number().int(),
    })
    .optional(),
  variants: z.array(matrixVariantSchema),
  checks: z.array(matrixCheckSchema),
  cells: z.array(matrixCellSchema),
  summary: z.object({
    counts: z.record(z.enum(CLASSIFICATIONS), z.number().int()),
    problems: z.array(problemSchema),
  }),
});

/** matrix.json, parsed. */
export type Matrix = z.infer<typeof matrixSchema>;
/** The interruption of a run, as matrix.json records it. */
export type MatrixInterruption = NonNullable<Matrix['interruption']>;
/** A variant of matrix.json. */
export type MatrixVariant = z.infer<typeof matrixVariantSchema>;
/** A check of matrix.json. */
export type MatrixCheck = z.infer<typeof matrixCheckSchema>;
/** A cell of matrix.json. */
export type MatrixCell = z.infer<typeof matrixCellSchema>;
/** A link of a cell. */
export type MatrixLink = z.infer<typeof linkSchema>;
/** A test reference. */
export type TestRef = z.infer<typeof testRefSchema>;
/** The observed part of a cell. */
export type Observed = z.infer<typeof observedSchema>;
