// The contract every agent tool follows: a JSON schema the model sees, zod validation of its input, and a result
// the model can read. Expected failures are error results, never throws.
import { z } from 'zod';
import type { ToolSpec } from '../providers/types.js';

export interface ToolContext {
  /** The session root as configured (worktree or workspacePath). */
  readonly root: string;
  /** `realpath(root)`: the boundary every path must stay inside. */
  readonly rootReal: string;
  readonly sessionId: string;
  /** The allowlisted environment Bash runs with (§6.4). */
  readonly bashEnv: { readonly [name: string]: string };
  readonly signal: AbortSignal;
  /** Files Read in this session: absolute real path → state when read (Write/Edit check it). */
  readonly readFiles: Map<string, { mtimeMs: number; size: number }>;
}

/** What a tool result does to the session besides being shown to the model. */
export type ToolEffect =
  | { readonly kind: 'advanced'; readonly stepId: string | null }
  | { readonly kind: 'complete' }
  | { readonly kind: 'parked'; readonly stepId: string }
  | { readonly kind: 'fatal'; readonly summary: string };

export interface ToolResult {
  readonly content: string;
  readonly isError: boolean;
  readonly effect?: ToolEffect;
}

export interface AgentTool {
  readonly spec: ToolSpec;
  run(input: { readonly [key: string]: unknown }, ctx: ToolContext): Promise<ToolResult>;
}

/** Builds a tool from a zod object schema: the model sees its JSON schema; bad input names the field. */
export function defineTool<S extends z.ZodObject>(
  name: string,
  description: string,
  schema: S,
  run: (input: z.output<S>, ctx: ToolContext) => Promise<ToolResult> | ToolResult,
): AgentTool {
  const { $schema: _ignored, ...inputSchema } = z.toJSONSchema(schema, { io: 'input' }) as { [key: string]: unknown };
  return {
    spec: { name, description, inputSchema },
    async run(input, ctx) {
      const parsed = schema.safeParse(input);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.path.map(String).join('.') || '(input)';
        return errorResult(`${name}: invalid input: ${field} ${issue?.message ?? 'is invalid'}`);
      }
      return run(parsed.data, ctx);
    },
  };
}

export function errorResult(content: string): ToolResult {
  return { content, isError: true };
}

export function okResult(content: string): ToolResult {
  return { content, isError: false };
}
