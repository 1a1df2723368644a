// The compatibility matrix (issue 6): check catalogue, variants as Playwright projects, the recording API
// scenarios call, expectations as data, classification, the matrix reporter, reports and diff.
export { CHECKS, CHECK_IDS, checkDefinition, checkGroup, checkOrder, isCheckId, type CheckDefinition, type CheckId, type CheckRef } from './checks.ts';
export {
  PATCH_IDS,
  PATCH_MODES,
  PROVIDERS,
  VariantError,
  checkVariant,
  compareVariants,
  matrixProjects,
  parseVariantKey,
  projectVariant,
  variantKey,
  variantsFromAxes,
  type PatchId,
  type PatchMode,
  type ProjectBase,
  type Provider,
  type Variant,
  type VariantAxes,
  type VariantInput,
  type VariantMetadata,
  type VariantProject,
} from './variant.ts';
export {
  CHECK_ANNOTATION,
  CHECK_ATTACHMENT,
  CHECK_RECORD_VERSION,
  CheckRecordError,
  declareChecks,
  normaliseCheckRecord,
  recordCheck,
  withChecks,
  type CheckObservation,
  type CheckRecord,
  type CheckRecordBody,
} from './record-check.ts';
export { REDACTED, redactSecrets, redactText } from './redact-secrets.ts';
export { toolInfo, type ToolInfo } from './tool-info.ts';
export {
  COMPONENTS,
  conditionSchema,
  entrySchema,
  expectationsFileSchema,
  statementSchema,
  type Component,
  type ExpectationCondition,
  type ExpectationEntry,
  type ExpectationsFile,
  type SupportStatement,
} from './expectations/expectations-schema.ts';
export { ExpectationsError, formatLintProblem, type LintProblem } from './expectations/expectations-error.ts';
export {
  describeStatement,
  expectedOutcome,
  statementMatches,
  type EvaluationContext,
  type ExpectationReason,
  type ExpectationSet,
  type ExpectedOutcome,
} from './expectations/expected-outcome.ts';
export {
  DEFAULT_EXPECTATIONS_DIR,
  lintExpectations,
  loadExpectations,
  readExpectationFiles,
  type LintOptions,
  type LintResult,
  type RawExpectationsFile,
} from './expectations/lint-expectations.ts';
export { CLASSIFICATIONS, PROBLEM_CLASSIFICATIONS, classifyCell, isNotMeasured, isProblem, type Classification, type ExpectedOutcomeKind, type ObservedOutcome } from './matrix/classify-cell.ts';
export { MATRIX_SCHEMA_VERSION, READABLE_MATRIX_SCHEMA_VERSIONS, matrixSchema, type Matrix, type MatrixCell, type MatrixCheck, type MatrixLink, type MatrixVariant } from './matrix/matrix-schema.ts';
export { buildMatrix, problemLines, type MatrixInput, type TestObservation, type TestOutcome } from './matrix/build-matrix.ts';
export { matrixMarkdown } from './matrix/matrix-markdown.ts';
export { CLASS_COLORS, matrixHtml } from './matrix/matrix-html.ts';
export { matrixJunit } from './matrix/matrix-junit.ts';
export { REPORT_FILES, writeMatrixReports, type WrittenReports } from './matrix/write-matrix-reports.ts';
export {
  DIFF_AXES,
  MatrixFileError,
  diffMatrices,
  formatMatrixDiff,
  matrixDiffMarkdown,
  readMatrixFile,
  type CellChange,
  type CellState,
  type DiffAxis,
  type MatrixDiff,
} from './matrix/diff-matrices.ts';
export { DEFAULT_MATRIX_OUT, MATRIX_EXPECTATIONS_ENV, MATRIX_OUT_ENV, MatrixReporter, MatrixRunFailed, summaryLines, type MatrixReporterOptions } from './matrix-reporter.ts';
export {
  DEFAULT_MATRIX_AXES,
  MATRIX_BLOB_DIR_ENV,
  MATRIX_PROGRESS_ENV,
  MATRIX_SPEC_ENV,
  PROGRESS_REPORTERS,
  encodeMatrixSpec,
  matrixSpecSchema,
  matrixVariants,
  readMatrixSpec,
  type MatrixAxesInput,
  type MatrixSpec,
} from './fixtures/matrix-spec.ts';
export {
  SIGNAL_EXIT_CODES,
  BLOB_SUBDIR,
  MATRIX_CONFIG,
  MATRIX_REPORTER_ENTRY,
  MatrixRunError,
  blobReports,
  matrixFailures,
  mergeMatrixReports,
  parseShard,
  runMatrix,
  type MatrixMergeOptions,
  type MatrixOutcome,
  type MatrixRunOptions,
  type Shard,
} from './run-matrix.ts';
