import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { NextcloudClient } from '../nextcloud-client.ts';
import type { Logger } from '../redacting-logger.ts';
import type { ToolAccess } from '../server-config.ts';
import type { Principal } from '../token-validator.ts';

/** What a tool runs with: the caller's Nextcloud client and who the caller is. */
export interface ToolContext {
  nextcloud: NextcloudClient;
  principal: Principal;
  logger: Logger;
}

/** A tool's input error: bad arguments that zod cannot express (a path outside the root, an empty update). */
export class ToolInputError extends Error {
  readonly code = 'ERR_TOOL_INPUT';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ToolInputError';
  }
}

/** One MCP tool: schemas for input and structured output, the scope class it needs, and what it does. */
export interface ToolDefinition<I extends z.ZodRawShape = z.ZodRawShape, O extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  /** Whether the tool reads or changes data: it needs the read or the write scopes. */
  access: ToolAccess;
  input: I;
  output: O;
  /** Extra annotations; `readOnlyHint` and `openWorldHint` follow from `access`. */
  annotations?: Omit<ToolAnnotations, 'title'>;
  run(ctx: ToolContext, args: z.infer<z.ZodObject<I>>): Promise<z.infer<z.ZodObject<O>>>;
}

/** Declares a tool with its types inferred from its schemas. */
export function defineTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(tool: ToolDefinition<I, O>): ToolDefinition<I, O> {
  return tool;
}
