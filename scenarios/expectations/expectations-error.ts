/** One problem in the expectations data, located by file and JSON path. */
export interface LintProblem {
  file: string;
  /** Dotted path inside the file, e.g. `checks["bearer.notes.get"].support[1].version_added`. */
  path: string;
  message: string;
}

/** The expectations data is unreadable or fails the lint; `problems` lists every problem found. */
export class ExpectationsError extends Error {
  readonly code = 'ERR_EXPECTATIONS';
  readonly problems: readonly LintProblem[];
  constructor(message: string, problems: readonly LintProblem[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExpectationsError';
    this.problems = problems;
  }
}

/** A problem as one line: `file: path: message`. */
export function formatLintProblem(p: LintProblem): string {
  return `${p.file}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}
