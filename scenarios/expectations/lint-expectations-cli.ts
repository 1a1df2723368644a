// `npm run lint:expectations`: lints scenarios/expectations/*.json (or the directory given as argument);
// prints one line per problem and exits 1 when there is any.
import { CHECK_IDS } from '../checks.ts';
import { formatLintProblem } from './expectations-error.ts';
import { DEFAULT_EXPECTATIONS_DIR, lintExpectations, readExpectationFiles } from './lint-expectations.ts';

const dir = process.argv[2] ?? DEFAULT_EXPECTATIONS_DIR;
let files;
try {
  files = readExpectationFiles(dir);
} catch (error) {
  process.stderr.write(`lint:expectations: ${(error as Error).message}\n`);
  process.exit(2);
}
const { problems, set } = lintExpectations(files);
for (const p of problems) process.stderr.write(`${formatLintProblem(p)}\n`);
if (problems.length > 0) {
  process.stderr.write(`lint:expectations: ${problems.length} problem(s) in ${dir}\n`);
  process.exitCode = 1;
} else {
  const unknown = CHECK_IDS.filter((id) => !set.checks.has(id));
  process.stdout.write(
    `lint:expectations: ${set.checks.size} checks, ${set.conditions.size} conditions, no problems` +
      (unknown.length > 0 ? `; no data yet (cells will be "unknown"): ${unknown.join(', ')}` : '') +
      '\n',
  );
}
