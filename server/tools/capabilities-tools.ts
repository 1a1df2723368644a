import { z } from 'zod';
import { defineTool, type ToolDefinition } from './tool-definition.ts';

const userShape = z.object({
  id: z.string().describe('The Nextcloud user id.'),
  displayName: z.string(),
  email: z.string().nullable(),
});

/** `nextcloud_capabilities`: who the caller is, the server version and the capabilities of the enabled apps (OCS `cloud/capabilities`, `cloud/user`). */
export const capabilitiesTool = defineTool({
  name: 'nextcloud_capabilities',
  title: 'Nextcloud capabilities',
  description: "Who you are on this Nextcloud, its version, and the capabilities its enabled apps announce (OCS cloud/capabilities). Use it to see which apps (notes, deck, tables, ...) are there.",
  access: 'read',
  input: {},
  output: {
    user: userShape,
    version: z.object({ string: z.string(), major: z.number() }),
    capabilities: z.record(z.string(), z.unknown()).describe('Capabilities by app id, as Nextcloud sends them.'),
  },
  async run({ nextcloud }) {
    const [caps, user] = await Promise.all([
      nextcloud.ocs<{ version?: { string?: string; major?: number }; capabilities?: Record<string, unknown> }>({ path: '/ocs/v2.php/cloud/capabilities' }),
      nextcloud.ocs<{ id?: string; displayname?: string; 'display-name'?: string; email?: string | null }>({ path: '/ocs/v2.php/cloud/user' }),
    ]);
    return {
      user: { id: String(user.id ?? nextcloud.uid), displayName: String(user.displayname ?? user['display-name'] ?? user.id ?? ''), email: user.email ?? null },
      version: { string: String(caps.version?.string ?? ''), major: Number(caps.version?.major ?? 0) },
      capabilities: caps.capabilities && !Array.isArray(caps.capabilities) ? caps.capabilities : {},
    };
  },
});

/** The tools of this file. */
export const CAPABILITIES_TOOLS: readonly ToolDefinition[] = [capabilitiesTool];
