// One row of the console's sessions list (docs/console.md §3.1, §4.3), from the store's summary plus the preferred
// tip's node kind and the session metrics. Editor sessions only until WorkTrain records daemon sessions.
import type { SessionId } from '../engine/events.js';
import type { SessionReader, SessionSummary } from '../store/index.js';
import type { SessionStatus, SessionSummaryView } from './console-views.js';

/** An in-progress session idle longer than this is labelled dormant (§3.1). */
export const DORMANT_AFTER_MS = 60 * 60 * 1000;

/** The facts a summary row needs beyond the store's summary; cached by the index per session version. */
export interface SummaryFacts {
  readonly status: SessionStatus;
  readonly health: 'healthy' | 'corrupt';
  readonly stepsCompleted: number;
  readonly blockedAttempts: number;
  readonly durationMs: number | null;
  readonly workflowName: string | null;
  readonly workflowVersion: string | null;
}

/** Reads the facts of one session: tip kind (blocked or not), health, metrics and the pinned workflow's name. */
export function readSummaryFacts(reader: SessionReader, summary: SessionSummary): SummaryFacts {
  const sessionId = summary.sessionId as SessionId;
  const workflow = summary.workflowHash === null ? null : reader.getWorkflow(summary.workflowHash);
  const metrics = reader.sessionMetrics(sessionId);
  let health: SummaryFacts['health'] = 'healthy';
  let tipBlocked = false;
  if (summary.preferredTipNodeId !== null) {
    const tip = reader.loadNode(sessionId, summary.preferredTipNodeId);
    if (tip.kind === 'unhealthy') health = 'corrupt';
    if (tip.kind === 'ok') tipBlocked = tip.position.node.nodeKind === 'blocked_attempt';
  } else if (reader.checkHealth(sessionId).kind === 'unhealthy') {
    health = 'corrupt';
  }
  return {
    status: statusOf(summary.isComplete, tipBlocked),
    health,
    stepsCompleted: metrics?.stepsAdvanced ?? 0,
    blockedAttempts: metrics?.blockedAttempts ?? 0,
    durationMs: metrics?.durationMs ?? (metrics === null ? null : summary.lastActivityMs - metrics.startedAtMs),
    workflowName: workflow?.name ?? null,
    workflowVersion: workflow?.version ?? null,
  };
}

export function statusOf(isComplete: boolean, tipBlocked: boolean): SessionStatus {
  if (isComplete) return 'complete';
  return tipBlocked ? 'blocked' : 'in_progress';
}

/** The summary row shown by the list and at the top of the detail. Pure. */
export function toSummaryView(summary: SessionSummary, facts: SummaryFacts, nowMs: number): SessionSummaryView {
  return {
    sessionId: summary.sessionId,
    title: summary.title,
    goal: summary.goal,
    workflowId: summary.workflowId,
    workflowName: facts.workflowName,
    workflowVersion: facts.workflowVersion,
    workflowHash: summary.workflowHash,
    status: facts.status,
    dormant: facts.status === 'in_progress' && nowMs - summary.lastActivityMs > DORMANT_AFTER_MS,
    health: facts.health,
    source: 'editor',
    triggerId: null,
    workspacePath: summary.workspacePath,
    repoRoot: summary.observations.repoRoot,
    branch: summary.observations.gitBranch,
    parentSessionId: null,
    coordinatorRunId: null,
    childCount: 0,
    pendingStepId: summary.pendingStepId,
    stepsCompleted: facts.stepsCompleted,
    blockedAttempts: facts.blockedAttempts,
    hasUnresolvedGaps: false,
    recapSnippet: null,
    createdAt: summary.createdAtMs,
    lastActivityAt: summary.lastActivityMs,
    durationMs: facts.durationMs,
    daemon: null,
  };
}
