// The scenarios of the matrix as one Playwright "test list" (playwright.dev/docs/test-parallel, "Control
// test order"): the config matches only this file, so each variant's scenarios form one test group that one
// worker runs in order. The instance, the MCP server, the browser and the logins are then made once per
// variant, and `--shard` splits the matrix by variants.
import { test } from '../fixtures/matrix-fixtures.ts';
import { bearerScenarios } from './bearer.spec.ts';
import { conformanceScenarios } from './conformance.spec.ts';
import { dcrScenarios } from './dcr.spec.ts';
import { discoveryScenarios } from './discovery.spec.ts';
import { loginScenarios } from './login.spec.ts';
import { mcpScenarios } from './mcp.spec.ts';
import { oauthScenarios } from './oauth.spec.ts';
import { pkceScenarios } from './pkce.spec.ts';
import { sessionScenarios } from './session.spec.ts';

test.describe('discovery', discoveryScenarios);
test.describe('dcr', dcrScenarios);
test.describe('login', loginScenarios);
test.describe('pkce', pkceScenarios);
test.describe('oauth', oauthScenarios);
test.describe('bearer', bearerScenarios);
test.describe('session', sessionScenarios);
test.describe('mcp', mcpScenarios);
test.describe('conformance', conformanceScenarios);
