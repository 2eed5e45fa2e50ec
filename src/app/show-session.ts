// `workrail sessions show <id>`: one session as a timeline — what was started, each advance with its notes,
// artifacts and blockers, checkpoints, completion — and where the session stands now. Read-only.
import type { AttemptId, BlockerCode, EventDataByKind, NodeId, SessionEvent, SessionId } from '../engine/index.js';
import { pendingStepOf, renderPendingStep } from '../engine/index.js';
import type { LoadedSession, SessionReader, StoredNode } from '../store/index.js';
import type { CompiledStep, CompiledWorkflow } from '../workflow/types.js';
import type { AppDeps } from './deps.js';
import { type AppError, appError } from './errors.js';
import { err, ok, type Result } from './result.js';

/** The step a node stands at, with its title rendered against the node's context. */
export interface StepRef {
  readonly nodeId: NodeId;
  readonly stepId: string | null;
  readonly title: string;
  /** Set when the step is a loop body step. */
  readonly loop: { readonly loopId: string; readonly iteration: number } | null;
}

export interface BlockerView {
  readonly code: BlockerCode;
  readonly message: string;
}

export type TimelineEntry =
  | {
      readonly kind: 'started';
      readonly atMs: number;
      readonly workflowId: string;
      readonly goal: string;
    }
  | {
      readonly kind: 'attempt';
      readonly atMs: number;
      /** `advanced`: the step was completed; `blocked`: it was refused and stays pending; `gated`: parked at a gate. */
      readonly outcome: 'advanced' | 'blocked' | 'gated';
      readonly step: StepRef;
      /** True when this advance opened a new branch (§6.4). */
      readonly forked: boolean;
      readonly notes: readonly string[];
      readonly artifacts: readonly { readonly kind: string; readonly bytes: number }[];
      readonly blockers: readonly BlockerView[];
    }
  | { readonly kind: 'checkpoint'; readonly atMs: number; readonly step: StepRef }
  | { readonly kind: 'completed'; readonly atMs: number; readonly durationMs: number };

export type CurrentPosition =
  | { readonly kind: 'pending'; readonly step: StepRef }
  | { readonly kind: 'blocked'; readonly step: StepRef; readonly blockers: readonly BlockerView[] }
  | { readonly kind: 'gated'; readonly step: StepRef; readonly gateKind: string }
  | { readonly kind: 'complete' }
  | { readonly kind: 'not_started' };

export interface SessionTimeline {
  readonly sessionId: SessionId;
  readonly workspacePath: string;
  readonly createdAtMs: number;
  readonly lastActivityMs: number;
  readonly workflow: { readonly id: string; readonly name: string; readonly hash: string } | null;
  readonly goal: string | null;
  readonly status: 'in_progress' | 'complete';
  readonly gitBranch: string | null;
  readonly current: CurrentPosition;
  readonly counts: { readonly stepsCompleted: number; readonly blockedAttempts: number; readonly checkpoints: number };
  readonly entries: readonly TimelineEntry[];
}

/** The session's timeline. NOT_FOUND for an unknown id; SESSION_NOT_HEALTHY (details.health) for a corrupt one. */
export function showSession(deps: Pick<AppDeps, 'store'>, sessionId: string): Result<SessionTimeline, AppError> {
  return deps.store.read((reader) => {
    const loaded = reader.loadSession(sessionId as SessionId);
    if (loaded.kind === 'not_found') return err(sessionNotFound(sessionId));
    if (loaded.kind === 'unhealthy') return err(sessionNotHealthy(sessionId, loaded.health));
    return ok(buildTimeline(reader, loaded.session, reader.listEvents(loaded.session.sessionId)));
  });
}

export function sessionNotFound(sessionId: string): AppError {
  return appError('NOT_FOUND', `No session with id "${sessionId}".`, {
    suggestion: 'Run `workrail sessions list` to see the stored sessions.',
  });
}

export function sessionNotHealthy(sessionId: string, health: { kind: string; reason: string }): AppError {
  return appError('SESSION_NOT_HEALTHY', `Session ${sessionId} fails its integrity checks: ${health.reason}`, {
    health,
  });
}

/** The raw title of a step of the workflow (loop bodies included), or the id when the workflow lacks it. */
export function stepTitleOf(workflow: CompiledWorkflow | null, stepId: string): string {
  const find = (steps: readonly CompiledStep[]): string | undefined => {
    for (const step of steps) {
      if (step.id === stepId) return step.title;
      const inBody = step.kind === 'loop' ? find(step.body) : undefined;
      if (inBody !== undefined) return inBody;
    }
    return undefined;
  };
  return (workflow === null ? undefined : find(workflow.steps)) ?? stepId;
}

function buildTimeline(
  reader: SessionReader,
  session: LoadedSession,
  events: readonly SessionEvent[],
): SessionTimeline {
  const stepRef = stepRefs(reader, session);
  const outputs = outputsByAttempt(events);
  const forks = new Set(session.edges.filter((e) => e.cause === 'fork').map((e) => e.toNodeId));
  const entries: TimelineEntry[] = [];
  const blockersAt = new Map<NodeId, readonly BlockerView[]>();
  for (const event of events) {
    if (event.kind === 'run_started') {
      entries.push({ kind: 'started', atMs: event.atMs, workflowId: event.data.workflowId, goal: event.data.goal });
    } else if (event.kind === 'advance_recorded') {
      const d = event.data;
      const blockers = (d.blockers ?? []).map((b) => ({ code: b.code, message: b.message }));
      blockersAt.set(d.toNodeId, blockers);
      const out = outputs.get(d.attemptId) ?? [];
      entries.push({
        kind: 'attempt',
        atMs: event.atMs,
        outcome: d.outcome,
        step: stepRef(d.fromNodeId),
        forked: forks.has(d.toNodeId),
        notes: out.flatMap((o) => (o.channel === 'notes' ? [o.notesMarkdown] : [])),
        artifacts: out.flatMap((o) =>
          o.channel === 'artifact' ? [{ kind: o.artifact.kind, bytes: o.artifact.bytes }] : [],
        ),
        blockers,
      });
    } else if (event.kind === 'checkpoint_recorded') {
      entries.push({ kind: 'checkpoint', atMs: event.atMs, step: stepRef(event.data.fromNodeId) });
    } else if (event.kind === 'run_completed') {
      entries.push({ kind: 'completed', atMs: event.atMs, durationMs: event.data.durationMs });
    }
  }
  const attempts = entries.filter((e) => e.kind === 'attempt');
  const run = session.run;
  return {
    sessionId: session.sessionId,
    workspacePath: session.workspacePath,
    createdAtMs: session.createdAtMs,
    lastActivityMs: session.lastActivityMs,
    workflow:
      session.workflow === null
        ? null
        : { id: session.workflow.id, name: session.workflow.name, hash: session.workflow.workflowHash },
    goal: run?.goal ?? null,
    status: run?.isComplete === true ? 'complete' : 'in_progress',
    gitBranch: session.observations.gitBranch,
    current: currentPosition(session, stepRef, blockersAt),
    counts: {
      stepsCompleted: attempts.filter((e) => e.outcome !== 'blocked').length,
      blockedAttempts: attempts.filter((e) => e.outcome === 'blocked').length,
      checkpoints: entries.filter((e) => e.kind === 'checkpoint').length,
    },
    entries,
  };
}

function currentPosition(
  session: LoadedSession,
  stepRef: (nodeId: NodeId) => StepRef,
  blockersAt: ReadonlyMap<NodeId, readonly BlockerView[]>,
): CurrentPosition {
  const run = session.run;
  if (run === null) return { kind: 'not_started' };
  if (run.isComplete || run.preferredTipNodeId === null) return { kind: 'complete' };
  const tip = session.nodes.get(run.preferredTipNodeId);
  if (tip === undefined) return { kind: 'complete' };
  const step = stepRef(tip.nodeId);
  if (tip.state.gate !== undefined && tip.nodeKind !== 'blocked_attempt') {
    return { kind: 'gated', step, gateKind: tip.state.gate.gateKind };
  }
  if (tip.nodeKind === 'blocked_attempt') return { kind: 'blocked', step, blockers: blockersAt.get(tip.nodeId) ?? [] };
  if (tip.state.kind === 'complete') return { kind: 'complete' };
  return { kind: 'pending', step };
}

/** Memoised `StepRef` of each node: pending steps get their title rendered with the node's context. */
function stepRefs(reader: SessionReader, session: LoadedSession): (nodeId: NodeId) => StepRef {
  const cache = new Map<NodeId, StepRef>();
  return (nodeId) => {
    let ref = cache.get(nodeId);
    if (ref === undefined) {
      const node = session.nodes.get(nodeId);
      ref =
        node === undefined
          ? { nodeId, stepId: null, title: '(unknown node)', loop: null }
          : stepRefOf(reader, session, node);
      cache.set(nodeId, ref);
    }
    return ref;
  };
}

/** The step `node` stands at; a pending step's title is rendered against the node's context. */
export function stepRefOf(reader: SessionReader, session: LoadedSession, node: StoredNode): StepRef {
  const { state } = node;
  const workflow = session.workflow;
  if (state.kind === 'pending') {
    const loop = state.loop === null ? null : { loopId: state.loop.loopId, iteration: state.loop.iteration };
    const title =
      workflow !== null && pendingStepOf(workflow, state) !== null
        ? renderPendingStep(workflow, state, reader.nodeContext(node.nodeId) ?? {}).pending.title
        : stepTitleOf(workflow, state.pendingStepId);
    return { nodeId: node.nodeId, stepId: state.pendingStepId, title, loop };
  }
  const gateStep = state.gate?.stepId ?? null;
  return {
    nodeId: node.nodeId,
    stepId: gateStep,
    title: gateStep === null ? 'Complete' : stepTitleOf(workflow, gateStep),
    loop: null,
  };
}

type OutputData = EventDataByKind['output_appended'];

function outputsByAttempt(events: readonly SessionEvent[]): Map<AttemptId, OutputData[]> {
  const byAttempt = new Map<AttemptId, OutputData[]>();
  for (const event of events) {
    if (event.kind !== 'output_appended') continue;
    const list = byAttempt.get(event.data.attemptId) ?? [];
    list.push(event.data);
    byAttempt.set(event.data.attemptId, list);
  }
  return byAttempt;
}
