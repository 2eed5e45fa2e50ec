// The console API's shapes (docs/console.md §4): the server checks its answers against them in tests, and the UI
// parses every response with them. The `satisfies`-style checks at the bottom keep them equal to the app's views.
import { z } from 'zod';
import type {
  NodeDetailView,
  SessionDetailView,
  SessionSummaryView,
  WorkflowDetailView,
  WorkflowSummaryView,
} from '../app/console-views.js';

export const SessionStatusSchema = z.enum(['in_progress', 'blocked', 'complete', 'complete_with_gaps']);
export const NodeKindSchema = z.enum(['step', 'checkpoint', 'blocked_attempt', 'gate_checkpoint']);
export const TraceKindSchema = z.enum([
  'selected_step',
  'skipped_step',
  'entered_loop',
  'iteration_started',
  'exited_loop',
  'fork_detected',
]);
const LoopTagSchema = z.object({ loopId: z.string(), iteration: z.number() }).nullable();

export const SessionSummarySchema = z.object({
  sessionId: z.string(),
  title: z.string().nullable(),
  goal: z.string().nullable(),
  workflowId: z.string().nullable(),
  workflowName: z.string().nullable(),
  workflowVersion: z.string().nullable(),
  workflowHash: z.string().nullable(),
  status: SessionStatusSchema,
  dormant: z.boolean(),
  health: z.enum(['healthy', 'corrupt']),
  source: z.enum(['editor', 'daemon']),
  triggerId: z.string().nullable(),
  workspacePath: z.string(),
  repoRoot: z.string().nullable(),
  branch: z.string().nullable(),
  parentSessionId: z.string().nullable(),
  coordinatorRunId: z.string().nullable(),
  childCount: z.number(),
  pendingStepId: z.string().nullable(),
  stepsCompleted: z.number(),
  blockedAttempts: z.number(),
  hasUnresolvedGaps: z.boolean(),
  recapSnippet: z.string().nullable(),
  createdAt: z.number(),
  lastActivityAt: z.number(),
  durationMs: z.number().nullable(),
  daemon: z.null(),
});

export const SessionListSchema = z.object({
  sessions: z.array(SessionSummarySchema),
  totalCount: z.number(),
  nextCursor: z.string().nullable(),
});

export const RunNodeSchema = z.object({
  nodeId: z.string(),
  kind: NodeKindSchema,
  stepId: z.string().nullable(),
  stepTitle: z.string().nullable(),
  parentNodeId: z.string().nullable(),
  createdAt: z.number(),
  eventIndex: z.number(),
  isTip: z.boolean(),
  isPreferredTip: z.boolean(),
  loop: LoopTagSchema,
  hasNotes: z.boolean(),
  hasArtifacts: z.boolean(),
  hasFailedValidation: z.boolean(),
  hasGaps: z.boolean(),
});

export const TraceEntrySchema = z.object({
  kind: TraceKindSchema,
  summary: z.string(),
  stepId: z.string().nullable(),
  loopId: z.string().nullable(),
  iteration: z.number().nullable(),
  reason: z.string().nullable(),
  eventIndex: z.number(),
  at: z.number(),
  nodeId: z.string(),
});

export const GhostSchema = z.object({
  ghostId: z.string(),
  stepId: z.string(),
  stepTitle: z.string(),
  afterNodeId: z.string().nullable(),
  beforeNodeId: z.string(),
  loop: LoopTagSchema,
  reason: z.string(),
  condition: z.string().nullable(),
});

export const RunSchema = z.object({
  runId: z.string(),
  workflowId: z.string(),
  workflowHash: z.string(),
  status: SessionStatusSchema,
  preferredTipNodeId: z.string().nullable(),
  tipNodeIds: z.array(z.string()),
  nodes: z.array(RunNodeSchema),
  edges: z.array(
    z.object({
      fromNodeId: z.string(),
      toNodeId: z.string(),
      kind: z.enum(['advance', 'checkpoint']),
      cause: z.enum(['advance', 'fork', 'retry', 'checkpoint', 'gate']),
    }),
  ),
  ghostSteps: z.array(GhostSchema),
  loops: z.array(
    z.object({
      loopId: z.string(),
      title: z.string(),
      loopType: z.enum(['while', 'until', 'for', 'forEach']),
      iterations: z.array(z.object({ iteration: z.number(), nodeIds: z.array(z.string()) })),
      exitReason: z.string().nullable(),
    }),
  ),
  trace: z.array(TraceEntrySchema),
  contextFacts: z.array(z.object({ key: z.string(), value: z.string() })),
});

export const SessionDetailSchema = SessionSummarySchema.extend({
  run: RunSchema.nullable(),
  healthReason: z.string().nullable(),
  injectedContext: z.string().nullable(),
  metrics: z
    .object({
      durationMs: z.number().nullable(),
      stepsCompleted: z.number(),
      retriesCount: z.number(),
      outcome: z.string().nullable(),
      startSha: z.string().nullable(),
      endSha: z.string().nullable(),
    })
    .nullable(),
});

export const ArtifactSchema = z.object({
  nodeId: z.string(),
  stepId: z.string().nullable(),
  kind: z.string(),
  contentType: z.string(),
  byteLength: z.number(),
  sha256: z.string(),
  content: z.unknown(),
});
export const ArtifactListSchema = z.object({ artifacts: z.array(ArtifactSchema) });

const JsonObjectSchema = z.record(z.string(), z.unknown());

export const NodeDetailSchema = z.object({
  nodeId: z.string(),
  kind: NodeKindSchema,
  stepId: z.string().nullable(),
  stepTitle: z.string().nullable(),
  parentNodeId: z.string().nullable(),
  createdAt: z.number(),
  eventIndex: z.number(),
  isTip: z.boolean(),
  isPreferredTip: z.boolean(),
  loop: LoopTagSchema,
  prompt: z.string().nullable(),
  notesMarkdown: z.string().nullable(),
  artifacts: z.array(ArtifactSchema),
  contextDelta: JsonObjectSchema.nullable(),
  contextAtNode: JsonObjectSchema.nullable(),
  validations: z.array(
    z.object({
      validationId: z.string(),
      contractRef: z.string(),
      outcome: z.enum(['pass', 'fail']),
      issues: z.array(z.string()),
      suggestions: z.array(z.string()),
    }),
  ),
  gaps: z.array(
    z.object({
      gapId: z.string(),
      severity: z.enum(['critical', 'non_critical']),
      summary: z.string(),
      resolved: z.boolean(),
    }),
  ),
  advance: z
    .object({
      attemptId: z.string(),
      outcome: z.enum(['advanced', 'blocked', 'gated']),
      toNodeId: z.string(),
      blockers: z.array(
        z.object({ code: z.string(), message: z.string(), suggestedFix: z.string().nullable(), pointer: z.string() }),
      ),
    })
    .nullable(),
  trace: z.array(TraceEntrySchema),
  gate: z.object({ gateKind: z.string(), verdict: z.string().nullable(), rationale: z.string().nullable() }).nullable(),
});

export const WorkflowSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  version: z.string(),
  tags: z.array(z.string()),
  stepCount: z.number(),
  workflowHash: z.string().nullable(),
  source: z.object({ kind: z.string(), label: z.string(), location: z.string().nullable() }),
  shadows: z.array(z.object({ kind: z.string(), location: z.string() })),
  warnings: z.array(z.string()),
});

export const WorkflowCatalogSchema = z.object({
  workflows: z.array(WorkflowSummarySchema),
  invalid: z.array(
    z.object({
      file: z.string(),
      workflowId: z.string().nullable(),
      source: z.string(),
      errors: z.array(z.object({ pointer: z.string(), message: z.string() })),
    }),
  ),
});

export type OutlineStep = {
  stepId: string;
  title: string;
  kind: 'standard' | 'loop' | 'parallel';
  runCondition: string | null;
  loop: { type: string; maxIterations: number; detail: string | null } | null;
  body: OutlineStep[];
};
export const OutlineStepSchema: z.ZodType<OutlineStep> = z.lazy(() =>
  z.object({
    stepId: z.string(),
    title: z.string(),
    kind: z.enum(['standard', 'loop', 'parallel']),
    runCondition: z.string().nullable(),
    loop: z.object({ type: z.string(), maxIterations: z.number(), detail: z.string().nullable() }).nullable(),
    body: z.array(OutlineStepSchema),
  }),
);

export const WorkflowDetailSchema = WorkflowSummarySchema.extend({
  about: z.string().nullable(),
  examples: z.array(z.string()),
  preconditions: z.array(z.string()),
  outline: z.array(OutlineStepSchema),
});

export const HealthSchema = z.object({
  status: z.literal('ok'),
  version: z.string(),
  daemon: z.object({ reachable: z.boolean(), version: z.string().nullable(), port: z.number().nullable() }),
});

export const ErrorSchema = z.object({
  success: z.literal(false),
  error: z.string(),
  code: z.string(),
  field: z.string().optional(),
});

/** `{success: true, data}` around `data`. */
export function envelopeOf<T extends z.ZodType>(data: T) {
  return z.object({ success: z.literal(true), data });
}

export type SessionSummary = z.infer<typeof SessionSummarySchema>;
export type SessionList = z.infer<typeof SessionListSchema>;
export type SessionDetail = z.infer<typeof SessionDetailSchema>;
export type RunNode = z.infer<typeof RunNodeSchema>;
export type Ghost = z.infer<typeof GhostSchema>;
export type TraceEntry = z.infer<typeof TraceEntrySchema>;
export type NodeDetail = z.infer<typeof NodeDetailSchema>;
export type Artifact = z.infer<typeof ArtifactSchema>;
export type WorkflowSummary = z.infer<typeof WorkflowSummarySchema>;
export type WorkflowCatalog = z.infer<typeof WorkflowCatalogSchema>;
export type WorkflowDetail = z.infer<typeof WorkflowDetailSchema>;
export type Health = z.infer<typeof HealthSchema>;

// Compile-time: every view the app builds is accepted by its schema's type.
type Accepts<S, V extends S> = V;
export type ViewChecks = [
  Accepts<DeepMutable<SessionSummary>, DeepMutable<SessionSummaryView>>,
  Accepts<DeepMutable<SessionDetail>, DeepMutable<SessionDetailView>>,
  Accepts<DeepMutable<NodeDetail>, DeepMutable<NodeDetailView>>,
  Accepts<DeepMutable<WorkflowSummary>, DeepMutable<WorkflowSummaryView>>,
  Accepts<DeepMutable<WorkflowDetail>, DeepMutable<WorkflowDetailView>>,
];
type DeepMutable<T> = T extends object ? { -readonly [K in keyof T]: DeepMutable<T[K]> } : T;
