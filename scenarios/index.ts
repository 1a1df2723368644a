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
  exactNextcloudVersion,
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
export { INSTANCE_ATTACHMENT, parseInstanceRecord, recordInstance, type InstanceRecord } from './instance-record.ts';
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
export { assembleMatrix, buildMatrix, problemLines, type MatrixInput, type TestObservation, type TestOutcome } from './matrix/build-matrix.ts';
export { matrixMarkdown } from './matrix/matrix-markdown.ts';
export {
  CLASS_COLORS,
  CLASS_SYMBOLS,
  PATCH_SHORT,
  cellAnchor,
  columnHeaderRows,
  columnOrder,
  escapeHtml,
  gridCss,
  isNotAsExpected,
  legendHtml,
  matrixHtml,
  nextcloudLabel,
  safeHref,
  shortUpstreamUrl,
  type MatrixHtmlOptions,
} from './matrix/matrix-html.ts';
export { APP_APIS, type AppApi } from './matrix/app-apis.ts';
export { UPSTREAM_COMPONENTS, upstreamFileSchema, upstreamItemSchema, type SideEffect, type UpstreamItem, type Workaround } from './expectations/upstream-schema.ts';
export { DEFAULT_UPSTREAM_DIR, lintUpstreamItems, loadUpstreamItems } from './expectations/load-upstream-items.ts';
export {
  statusRun,
  upstreamStatus,
  workaroundName,
  type CellLink,
  type CheckOnRelease,
  type CheckStatus,
  type ItemOnRelease,
  type ItemStatus,
  type Release,
  type SideEffectStatus,
  type StatusRun,
  type UpstreamStatus,
} from './status/upstream-status.ts';
export { statusDocument, type Block, type Inline, type Section, type StatusDocument } from './status/status-document.ts';
export { statusMarkdown } from './status/status-markdown.ts';
export { statusHtml } from './status/status-html.ts';
export { STATUS_FILES, writeStatusReports, type WrittenStatus } from './status/write-status-reports.ts';
export { matrixJunit } from './matrix/matrix-junit.ts';
export { REPORT_FILES, writeAtomic, writeMatrixReports, type WrittenReports } from './matrix/write-matrix-reports.ts';
export {
  DIFF_AXES,
  MatrixFileError,
  comparedMessage,
  diffMatrices,
  formatMatrixDiff,
  appAbsentReason,
  leftOutReason,
  matrixDiffMarkdown,
  readMatrixFile,
  type CellChange,
  type CellState,
  type DiffAxis,
  type DiffMode,
  type LeftOutCell,
  type MatrixDiff,
} from './matrix/diff-matrices.ts';
export { DEFAULT_REAL_RUNS_DIR, REAL_RUNS_ENV, realRunsDir } from './real-runs-dir.ts';
export {
  PROBE_STEPS,
  compareProbe,
  isProbeFileName,
  probeVariant,
  readRealProbe,
  readRealProbes,
  replayProbeOnDouble,
  runProbe,
  type NotReached,
  type ProbeComparison,
  type ProbeDisagreement,
  type ProbeReplay,
  type ProbeStep,
  type ProbeSteps,
  type ProbeTarget,
  type ProbeVariant,
  type RealProbe,
} from './replay-real-probes.ts';
export { doubleVariant, readRealRuns, replayGrep, replayOnDouble, type RealRun, type Replay, type ReplayOptions } from './replay-real-runs.ts';
export { DEFAULT_MATRIX_OUT, MATRIX_EXPECTATIONS_ENV, MATRIX_OUT_ENV, MatrixReporter, MatrixRunFailed, summaryLines, type MatrixReporterOptions } from './matrix-reporter.ts';
export {
  DEFAULT_MATRIX_AXES,
  MATRIX_BLOB_DIR_ENV,
  MATRIX_PROGRESS_ENV,
  MATRIX_SPEC_ENV,
  PROGRESS_REPORTERS,
  dockerOptionsForVariant,
  encodeMatrixSpec,
  matrixSpecSchema,
  matrixVariants,
  readMatrixSpec,
  type MatrixAxesInput,
  type MatrixSpec,
} from './fixtures/matrix-spec.ts';
export { VARIANT_ERROR_ANNOTATION, VARIANT_TIMINGS_ANNOTATION, timingsLine, type VariantTimings } from './fixtures/variant-annotations.ts';
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
export { SPECS_DIR, declaredCheckTests, grepForTests, testsDeclaring, type CheckTest } from './check-tests.ts';
export {
  BISECT_AXES,
  BisectError,
  bisectReleases,
  type BisectAxis,
  type BisectCandidate,
  type BisectOptions,
  type BisectResult,
  type BisectRunner,
  type BisectStep,
  type StepOutcome,
  type StepRun,
} from './matrix/bisect-releases.ts';
export { CLASS_LABELS, doubleBanner, observedText, variantLabel } from './matrix/matrix-text.ts';
export { matrixVerdict, type MatrixVerdict } from './matrix/matrix-verdict.ts';
export {
  FLAKY_FLIPS,
  HISTORY_SCHEMA_VERSION,
  buildHistory,
  cellState,
  historyLines,
  historyMatchKey,
  type CellState as HistoryCellState,
  type HistoryEntry,
  type HistoryRow,
  type HistoryRun,
  type HistoryRunInput,
  type MatrixHistory,
  type RedEpisode,
} from './matrix/matrix-history.ts';
export { historyHtml } from './matrix/history-html.ts';
