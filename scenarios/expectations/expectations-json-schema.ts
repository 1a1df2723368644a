import { z } from 'zod';
import { CHECK_IDS } from '../checks.ts';
import { PATCH_MODES } from '../variant.ts';
import { expectationsFileSchema } from './expectations-schema.ts';

/** Where the JSON Schema for editors lives (outside the data directory's top level, which holds only data). */
export const EXPECTATIONS_JSON_SCHEMA_PATH = new URL('./schema/expectations.schema.json', import.meta.url);

/**
 * The JSON Schema of an expectations file, for editors (the data files point at it with `$schema`): the zod
 * schema plus the names the lint checks, so an editor offers the check ids and patch modes. The lint stays
 * the authority (versions, links, conditions).
 */
export function expectationsJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(expectationsFileSchema, { io: 'input' }) as unknown as Record<string, unknown> & { properties: { checks: Record<string, unknown> } };
  schema['title'] = 'nc-oauth-lab matrix expectations';
  schema.properties.checks['propertyNames'] = { enum: [...CHECK_IDS] };
  // every statement (in checks and in conditions) offers the patch modes
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const props = (node as { properties?: Record<string, Record<string, unknown>> }).properties;
    if (props?.['component'] && props['patches']) props['patches']['items'] = { enum: [...PATCH_MODES] };
    for (const child of Object.values(node)) walk(child);
  };
  walk(schema);
  return schema;
}

/** The schema file's text, as `npm run lint:expectations -- --write-schema` writes it. */
export function expectationsJsonSchemaText(): string {
  return `${JSON.stringify(expectationsJsonSchema(), null, 2)}\n`;
}
