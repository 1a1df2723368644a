import { z } from 'zod';
import { PATCH_IDS } from '../../patches/index.ts';
import { CHECK_IDS } from '../checks.ts';
import { upstreamFileSchema } from './upstream-schema.ts';

/** Where the JSON Schema of the upstream items lives, for editors (beside the expectations' schema). */
export const UPSTREAM_JSON_SCHEMA_PATH = new URL('./schema/upstream.schema.json', import.meta.url);

/**
 * The JSON Schema of an upstream items file (scenarios/expectations/upstream/*.json point at it with
 * `$schema`): the zod schema plus the names the lint checks, so an editor offers the check ids and patch
 * ids. The lint stays the authority.
 */
export function upstreamJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(upstreamFileSchema, { io: 'input' }) as unknown as Record<string, unknown>;
  schema['title'] = 'nc-oauth-lab upstream items (the status page)';
  const checkEnum = { enum: [...CHECK_IDS] };
  const walk = (node: unknown, key?: string): void => {
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if ((key === 'fixes' || key === 'checks') && n['type'] === 'array') n['items'] = checkEnum;
    if (key === 'patch' && n['type'] === 'string') n['enum'] = [...PATCH_IDS];
    for (const [k, child] of Object.entries(n)) walk(child, k === 'properties' ? undefined : k);
  };
  walk(schema);
  return schema;
}

/** The schema file's text, as `npm run lint:expectations -- --write-schema` writes it. */
export function upstreamJsonSchemaText(): string {
  return `${JSON.stringify(upstreamJsonSchema(), null, 2)}\n`;
}
