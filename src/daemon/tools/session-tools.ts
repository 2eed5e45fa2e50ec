// complete_step, report_issue and signal_coordinator (docs/worktrain.md §6.3): the tools that talk to the session
// rather than the workspace. The session runner supplies the hooks (it holds the continue token).
import { z } from 'zod';
import { type AgentTool, defineTool, type ToolResult } from './tool.js';

export interface IssueReport {
  readonly kind: 'tool_failure' | 'blocked' | 'unexpected_behavior' | 'needs_human' | 'self_correction';
  readonly severity: 'info' | 'warn' | 'error' | 'fatal';
  readonly summary: string;
  readonly context?: string | undefined;
  readonly toolName?: string | undefined;
  readonly command?: string | undefined;
  readonly suggestedFix?: string | undefined;
}

export interface SessionHooks {
  completeStep(input: {
    readonly notes: string;
    readonly artifacts?: readonly { readonly [key: string]: unknown }[] | undefined;
    readonly context?: { readonly [key: string]: unknown } | undefined;
  }): ToolResult;
  reportIssue(report: IssueReport): void;
  /** Stores the signal and returns its id (`sig_<8 hex>`). */
  signal(signalKind: string, payload: { readonly [key: string]: unknown }): string;
}

export function createSessionTools(hooks: SessionHooks): AgentTool[] {
  const completeStep = defineTool(
    'complete_step',
    'Finish the current workflow step: give notes (at least 50 characters) describing what you did and found. ' +
      'Returns the next step, or that the workflow is complete.',
    z.object({
      notes: z.string().min(50, { error: 'must be at least 50 characters' }),
      artifacts: z.array(z.record(z.string(), z.unknown())).optional(),
      context: z.record(z.string(), z.unknown()).optional(),
    }),
    (input) => hooks.completeStep(input),
  );
  const reportIssue = defineTool(
    'report_issue',
    'Report a problem (tool failure, blocker, something needing a human). Severity fatal ends the session.',
    z.object({
      kind: z.enum(['tool_failure', 'blocked', 'unexpected_behavior', 'needs_human', 'self_correction']),
      severity: z.enum(['info', 'warn', 'error', 'fatal']),
      summary: z.string().min(1).max(200),
      context: z.string().optional(),
      toolName: z.string().optional(),
      command: z.string().optional(),
      suggestedFix: z.string().optional(),
    }),
    (input) => {
      hooks.reportIssue(input);
      return {
        content: JSON.stringify({ status: 'recorded' }),
        isError: false,
        ...(input.severity === 'fatal' ? { effect: { kind: 'fatal' as const, summary: input.summary } } : {}),
      };
    },
  );
  const signalCoordinator = defineTool(
    'signal_coordinator',
    'Send a structured signal to whoever coordinates this session (progress, finding, data_needed, ...).',
    z.object({
      signalKind: z.enum(['progress', 'finding', 'data_needed', 'approval_needed', 'blocked']),
      payload: z.record(z.string(), z.unknown()),
    }),
    (input) => ({
      content: JSON.stringify({ status: 'recorded', signalId: hooks.signal(input.signalKind, input.payload) }),
      isError: false,
    }),
  );
  return [completeStep, reportIssue, signalCoordinator];
}
