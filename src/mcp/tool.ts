// What a tool file declares: its name, short description, zod input and output schemas, hints, the use case it
// calls and how its result reads as text. server.ts registers every definition the same way.
import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { AppDeps, AppError, Result } from '../app/index.js';
import type { InputSpec } from './input.js';

export interface ToolDefinition<S extends z.ZodObject = z.ZodObject, T extends object = object> extends InputSpec<S> {
  readonly name: string;
  readonly title: string;
  /** Short and precise: it costs the agent tokens on every session. */
  readonly description: string;
  /**
   * The success shape. Every field is optional so the error envelope, sent as structuredContent too (§2.1),
   * also validates against it.
   */
  readonly output: z.ZodObject;
  readonly annotations: ToolAnnotations;
  readonly run: (deps: AppDeps, input: z.output<S>) => Result<T, AppError> | Promise<Result<T, AppError>>;
  /** Markdown for the agent; without it the text is the response object as JSON. */
  readonly render?: (value: T) => string;
}

/** Identity, for type inference in tool files. */
export function defineTool<S extends z.ZodObject, T extends object>(definition: ToolDefinition<S, T>): ToolDefinition {
  return definition as unknown as ToolDefinition;
}
