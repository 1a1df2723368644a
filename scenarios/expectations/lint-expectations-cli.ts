// `npm run lint:expectations`: lints scenarios/expectations/*.json (or the directory given as argument);
// prints one line per problem and exits 1 when there is any. Also checks that the JSON Schema for editors
// (scenarios/expectations/schema/expectations.schema.json and upstream.schema.json) is current; `-- --write-schema` rewrites them.
// Also lints the upstream items of the status page (<dir>/upstream/*.json).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHECK_IDS } from '../checks.ts';
import { formatLintProblem } from './expectations-error.ts';
import { EXPECTATIONS_JSON_SCHEMA_PATH, expectationsJsonSchemaText } from './expectations-json-schema.ts';
import { DEFAULT_EXPECTATIONS_DIR, lintExpectations, readExpectationFiles } from './lint-expectations.ts';
import { lintUpstreamItems } from './load-upstream-items.ts';
import { UPSTREAM_JSON_SCHEMA_PATH, upstreamJsonSchemaText } from './upstream-json-schema.ts';

const args = process.argv.slice(2);
const writeSchema = args.includes('--write-schema');
const dir = args.find((a) => !a.startsWith('--')) ?? DEFAULT_EXPECTATIONS_DIR;
const schemas = [
  { path: fileURLToPath(EXPECTATIONS_JSON_SCHEMA_PATH), text: expectationsJsonSchemaText() },
  { path: fileURLToPath(UPSTREAM_JSON_SCHEMA_PATH), text: upstreamJsonSchemaText() },
];
let failed = false;

for (const schema of schemas) {
  if (writeSchema) {
    writeFileSync(schema.path, schema.text);
    process.stdout.write(`lint:expectations: wrote ${schema.path}\n`);
    continue;
  }
  let current = '';
  try {
    current = readFileSync(schema.path, 'utf8');
  } catch {
    // reported below
  }
  if (current !== schema.text) {
    process.stderr.write(`lint:expectations: ${schema.path} is not current: run 'npm run lint:expectations -- --write-schema'\n`);
    failed = true;
  }
}

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
  failed = true;
} else {
  const unknown = CHECK_IDS.filter((id) => !set.checks.has(id));
  process.stdout.write(
    `lint:expectations: ${set.checks.size} checks, ${set.conditions.size} conditions, no problems` +
      (unknown.length > 0 ? `; no data yet (cells will be "unknown"): ${unknown.join(', ')}` : '') +
      '\n',
  );
}
let upstreamFiles;
try {
  upstreamFiles = readExpectationFiles(join(dir, 'upstream'));
} catch (error) {
  process.stderr.write(`lint:expectations: ${(error as Error).message}\n`);
  process.exit(2);
}
const upstream = lintUpstreamItems(upstreamFiles);
for (const p of upstream.problems) process.stderr.write(`upstream/${formatLintProblem(p)}\n`);
if (upstream.problems.length > 0) {
  process.stderr.write(`lint:expectations: ${upstream.problems.length} problem(s) in ${join(dir, 'upstream')}\n`);
  failed = true;
} else {
  process.stdout.write(`lint:expectations: ${upstream.items.length} upstream items, no problems\n`);
}
if (failed) process.exitCode = 1;
