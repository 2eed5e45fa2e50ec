// The run of a session as the console draws it (docs/console.md §3.2, §4.3 Run): nodes, edges, tips, loop
// iterations, ghost steps and the decision trace, derived from the loaded graph, the pinned workflow and the
// session's events. Pure.
import type { DecisionTraceEntry, NodeId, SessionEvent } from '../engine/events.js';
import type { EngineState } from '../engine/state.js';
import type { LoadedSession, StoredNode } from '../store/index.js';
import { COMPARISON_OPERATORS, type CompiledStep, type CompiledWorkflow, type Condition } from '../workflow/types.js';
import type {
  GhostView,
  LoopTag,
  LoopView,
  RunEdgeView,
  RunNodeView,
  RunView,
  SessionStatus,
  TraceEntryView,
} from './console-views.js';

/** What the events say about each node, gathered in one pass. */
export interface NodeFacts {
  readonly notes: ReadonlySet<string>;
  readonly artifacts: ReadonlySet<string>;
  readonly failedValidation: ReadonlySet<string>;
}

export interface StepInfo {
  readonly title: string;
  readonly loopId: string | null;
  readonly runCondition: Condition | undefined;
}

/** Every step of the compiled workflow by id (loop bodies included). */
export function stepIndex(workflow: CompiledWorkflow | null): ReadonlyMap<string, StepInfo> {
  const index = new Map<string, StepInfo>();
  const add = (step: CompiledStep, loopId: string | null) => {
    index.set(step.id, { title: step.title, loopId, runCondition: step.runCondition });
    if (step.kind === 'loop') for (const body of step.body) add(body, step.id);
  };
  for (const step of workflow?.steps ?? []) add(step, null);
  return index;
}

export function stepIdOf(state: EngineState): string | null {
  if (state.kind === 'pending') return state.pendingStepId;
  return state.gate?.stepId ?? null;
}

export function loopTagOf(state: EngineState): LoopTag | null {
  return state.kind === 'pending' && state.loop !== null
    ? { loopId: state.loop.loopId, iteration: state.loop.iteration }
    : null;
}

/** Tips: step-like nodes without an advance successor; checkpoints are side nodes, never tips. */
export function tipNodeIds(session: LoadedSession): NodeId[] {
  const advanced = new Set<string>(session.edges.filter((e) => e.edgeKind === 'advance').map((e) => e.fromNodeId));
  return [...session.nodes.values()]
    .filter((node) => node.nodeKind !== 'checkpoint' && !advanced.has(node.nodeId))
    .map((node) => node.nodeId);
}

export function nodeFactsOf(events: readonly SessionEvent[]): NodeFacts {
  const notes = new Set<string>();
  const artifacts = new Set<string>();
  const failedValidation = new Set<string>();
  for (const event of events) {
    if (event.kind === 'output_appended') (event.data.channel === 'notes' ? notes : artifacts).add(event.data.nodeId);
    if (event.kind === 'validation_performed' && !event.data.valid && event.nodeId !== undefined) {
      failedValidation.add(event.nodeId);
    }
  }
  return { notes, artifacts, failedValidation };
}

export function toNodeView(
  node: StoredNode,
  steps: ReadonlyMap<string, StepInfo>,
  facts: NodeFacts,
  tips: ReadonlySet<string>,
  preferredTip: string | null,
): RunNodeView {
  const stepId = stepIdOf(node.state);
  return {
    nodeId: node.nodeId,
    kind: node.nodeKind,
    stepId,
    stepTitle:
      stepId === null ? (node.state.kind === 'complete' ? 'Complete' : null) : (steps.get(stepId)?.title ?? stepId),
    parentNodeId: node.parentNodeId,
    createdAt: node.createdAtMs,
    eventIndex: node.seq,
    isTip: tips.has(node.nodeId),
    isPreferredTip: node.nodeId === preferredTip,
    loop: loopTagOf(node.state),
    hasNotes: facts.notes.has(node.nodeId),
    hasArtifacts: facts.artifacts.has(node.nodeId),
    hasFailedValidation: facts.failedValidation.has(node.nodeId),
    hasGaps: false,
  };
}

/** Builds the whole run view; `contextFacts` is the merged context at the preferred tip. */
export function buildRunView(
  session: LoadedSession,
  events: readonly SessionEvent[],
  status: SessionStatus,
  context: { readonly [key: string]: unknown } | null,
): RunView | null {
  const run = session.run;
  if (run === null) return null;
  const steps = stepIndex(session.workflow);
  const facts = nodeFactsOf(events);
  const tips = tipNodeIds(session);
  const tipSet = new Set<string>(tips);
  const nodes = [...session.nodes.values()].map((n) => toNodeView(n, steps, facts, tipSet, run.preferredTipNodeId));
  const edges: RunEdgeView[] = session.edges.map((e) => ({
    fromNodeId: e.fromNodeId,
    toNodeId: e.toNodeId,
    kind: e.edgeKind,
    cause: e.cause,
  }));
  const trace = traceEntries(events, steps);
  return {
    runId: run.runId,
    workflowId: run.workflowId,
    workflowHash: run.workflowHash,
    status,
    preferredTipNodeId: run.preferredTipNodeId,
    tipNodeIds: tips,
    nodes,
    edges,
    ghostSteps: ghostSteps(session, events, steps),
    loops: loopViews(session, trace),
    trace,
    contextFacts: Object.entries(context ?? {}).map(([key, value]) => ({ key, value: factText(value) })),
  };
}

/** The flattened decision trace, in event order, each entry tied to the node whose creation it explains. */
export function traceEntries(events: readonly SessionEvent[], steps: ReadonlyMap<string, StepInfo>): TraceEntryView[] {
  const entries: TraceEntryView[] = [];
  for (const event of events) {
    if (event.kind !== 'decision_trace_appended') continue;
    for (const entry of event.data.entries) {
      entries.push({
        kind: entry.kind,
        summary: summarize(entry, steps),
        stepId: entry.stepId ?? null,
        loopId: entry.loopId ?? null,
        iteration: entry.iteration ?? null,
        reason: entry.reason ?? null,
        eventIndex: event.seq,
        at: event.atMs,
        nodeId: event.data.nodeId,
      });
    }
  }
  return entries;
}

function summarize(entry: DecisionTraceEntry, steps: ReadonlyMap<string, StepInfo>): string {
  const title = (id: string | undefined) => (id === undefined ? '?' : `"${steps.get(id)?.title ?? id}"`);
  const pass = entry.iteration === undefined ? '' : ` #${entry.iteration}`;
  switch (entry.kind) {
    case 'selected_step':
      return `Selected ${title(entry.stepId)}${entry.loopId === undefined ? '' : ` (${entry.loopId}${pass})`}`;
    case 'skipped_step':
      return `Skipped ${title(entry.stepId)}: ${skipReasonText(entry.reason, steps.get(entry.stepId ?? ''))}`;
    case 'entered_loop':
      return `Entered loop ${title(entry.loopId)}`;
    case 'iteration_started':
      return `Iteration${pass} of ${title(entry.loopId)} started`;
    case 'exited_loop':
      return `Exited loop ${title(entry.loopId)} after${pass}: ${entry.reason ?? 'done'}`;
    case 'fork_detected':
      return `Fork at ${title(entry.stepId)}: ${entry.reason ?? 'the node already had a successor'}`;
    default: {
      const unreachable: never = entry.kind;
      throw new Error(`unknown trace kind ${String(unreachable)}`);
    }
  }
}

export function skipReasonText(reason: string | undefined, step: StepInfo | undefined): string {
  if (reason === 'run_condition' && step?.runCondition !== undefined) {
    return `runCondition was false (${conditionText(step.runCondition)})`;
  }
  if (reason === 'no_active_delegations') return 'no delegation was active';
  return reason ?? 'skipped';
}

/** A condition as a reader would say it: `writeDocs equals true`, `not (a or b)`. */
export function conditionText(condition: Condition): string {
  if ('and' in condition) return condition.and.map((c) => `(${conditionText(c)})`).join(' and ');
  if ('or' in condition) return condition.or.map((c) => `(${conditionText(c)})`).join(' or ');
  if ('not' in condition) return `not (${conditionText(condition.not)})`;
  const op = COMPARISON_OPERATORS.find((candidate) => condition[candidate] !== undefined);
  return op === undefined ? `${condition.var} is truthy` : `${condition.var} ${op} ${JSON.stringify(condition[op])}`;
}

/**
 * Ghosts from `skipped_step` entries: a skip recorded on node N happened while moving from N's parent to N, so
 * the ghost sits between them. Its loop iteration is the one in force when the skip was recorded.
 */
export function ghostSteps(
  session: LoadedSession,
  events: readonly SessionEvent[],
  steps: ReadonlyMap<string, StepInfo>,
): GhostView[] {
  const ghosts: GhostView[] = [];
  for (const event of events) {
    if (event.kind !== 'decision_trace_appended') continue;
    const node = session.nodes.get(event.data.nodeId);
    const parent = node?.parentNodeId == null ? undefined : session.nodes.get(node.parentNodeId);
    let loop: LoopTag | null = parent === undefined ? null : loopTagOf(parent.state);
    event.data.entries.forEach((entry, index) => {
      if (entry.kind === 'iteration_started' && entry.loopId !== undefined) {
        loop = { loopId: entry.loopId, iteration: entry.iteration ?? 1 };
      }
      if (entry.kind === 'exited_loop') loop = null;
      if (entry.kind !== 'skipped_step' || entry.stepId === undefined) return;
      const step = steps.get(entry.stepId);
      const inLoop = step?.loopId != null && loop?.loopId === step.loopId ? loop : null;
      ghosts.push({
        ghostId: `ghost_${event.data.nodeId}_${index}`,
        stepId: entry.stepId,
        stepTitle: step?.title ?? entry.stepId,
        afterNodeId: node?.parentNodeId ?? null,
        beforeNodeId: event.data.nodeId,
        loop: inLoop,
        reason: skipReasonText(entry.reason, step),
        condition: step?.runCondition === undefined ? null : conditionText(step.runCondition),
      });
    });
  }
  return ghosts;
}

/** One view per loop the run entered, with its iterations' nodes and the last exit reason. */
export function loopViews(session: LoadedSession, trace: readonly TraceEntryView[]): LoopView[] {
  const byLoop = new Map<string, Map<number, string[]>>();
  for (const node of session.nodes.values()) {
    if (node.nodeKind === 'checkpoint') continue;
    const tag = loopTagOf(node.state);
    if (tag === null) continue;
    const iterations = byLoop.get(tag.loopId) ?? new Map<number, string[]>();
    byLoop.set(tag.loopId, iterations);
    iterations.set(tag.iteration, [...(iterations.get(tag.iteration) ?? []), node.nodeId]);
  }
  const loopSteps = new Map(
    (session.workflow?.steps ?? []).flatMap((s) => (s.kind === 'loop' ? [[s.id, s] as const] : [])),
  );
  return [...byLoop].map(([loopId, iterations]) => {
    const step = loopSteps.get(loopId);
    const exit = trace.filter((t) => t.kind === 'exited_loop' && t.loopId === loopId).at(-1);
    return {
      loopId,
      title: step?.title ?? loopId,
      loopType: step?.loop.type ?? 'while',
      iterations: [...iterations].sort(([a], [b]) => a - b).map(([iteration, nodeIds]) => ({ iteration, nodeIds })),
      exitReason: exit?.reason ?? null,
    };
  });
}

function factText(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}
