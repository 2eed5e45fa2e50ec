// zod pieces shared by the tool files (docs: mcp-protocol.md §4). They check shape and size only; the use cases
// own the protocol's rules (aliases, limits, reserved keys, absolute paths).
import { z } from 'zod';

export const workspacePath = z.string().max(4096).describe('Absolute path of the workspace.');

/** Workflow id pattern (workflow-format.md §2.1): legacy `a-z0-9_-`, or namespaced with exactly one dot. */
export const workflowId = z
  .string()
  .min(3)
  .max(64)
  .regex(/^(?:[a-z0-9_-]+|[a-z][a-z0-9_-]+\.[a-z][a-z0-9_-]+)$/, 'must be a workflow id such as "acme.review-fix"')
  .describe('Workflow id, e.g. "wr.coding-task".');

export const jsonObject = z.record(z.string(), z.unknown());

export const token = z.string().max(256);

const issue = z.looseObject({ path: z.string(), message: z.string(), rule: z.string().optional() });
export const warnings = z.array(z.looseObject({ code: z.string(), message: z.string() }));
export const issues = z.array(issue);

const nextCall = z.looseObject({ tool: z.string(), params: jsonObject });

/** start_workflow and continue_workflow (§5.1, §5.3, §5.4). */
export const executionResponse = z.looseObject({
  kind: z.enum(['ok', 'blocked', 'gate_checkpoint']).optional(),
  isComplete: z.boolean().optional(),
  pending: z
    .looseObject({ stepId: z.string(), title: z.string(), prompt: z.string(), agentRole: z.string().optional() })
    .nullable()
    .optional(),
  continueToken: z.string().optional(),
  checkpointToken: z.string().optional(),
  preferences: jsonObject.optional(),
  nextIntent: z
    .enum(['perform_pending_then_continue', 'await_user_confirmation', 'rehydrate_only', 'complete'])
    .optional(),
  nextCall: nextCall.nullable().optional(),
  blockers: z.array(z.looseObject({ code: z.string(), pointer: jsonObject, message: z.string() })).optional(),
  retryable: z.boolean().optional(),
  retryContinueToken: z.string().optional(),
  validation: z.looseObject({ issues: z.array(z.string()), suggestions: z.array(z.string()) }).optional(),
  gateToken: z.string().optional(),
  warnings: warnings.optional(),
  staleRoots: z.array(z.string()).optional(),
});

export const READ_ONLY = { readOnlyHint: true, idempotentHint: true, destructiveHint: false, openWorldHint: false };
