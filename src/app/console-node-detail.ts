// GET /sessions/:id/nodes/:nodeId of the console (docs/console.md §3.2 node panel, §4.3 NodeDetail): the node's
// rendered prompt, notes, artifacts, context, validations, advance outcome and the trace entries that explain it.
import type { Blocker, BlockerPointer, NodeId, SessionEvent, SessionId } from '../engine/events.js';
import { renderPendingStep } from '../engine/render.js';
import type { LoadedSession } from '../store/index.js';
import type { JsonObject } from '../workflow/types.js';
import { nodeFactsOf, stepIndex, tipNodeIds, toNodeView, traceEntries } from './console-run.js';
import { artifactsOf, notFound } from './console-session-detail.js';
import type { NodeDetailView } from './console-views.js';
import type { AppDeps } from './deps.js';
import { type AppError, appError } from './errors.js';
import { err, ok, type Result } from './result.js';

/** NOT_FOUND when the session or the node (in that session) does not exist, or the session cannot be loaded. */
export function consoleNodeDetail(
  deps: Pick<AppDeps, 'store'>,
  sessionId: string,
  nodeId: string,
): Result<NodeDetailView, AppError> {
  return deps.store.read((reader) => {
    const loaded = reader.loadSession(sessionId as SessionId);
    if (loaded.kind === 'not_found') return err(notFound(sessionId));
    if (loaded.kind === 'unhealthy') {
      return err(appError('SESSION_NOT_HEALTHY', loaded.health.reason, { health: loaded.health.kind }));
    }
    const session = loaded.session;
    const node = session.nodes.get(nodeId as NodeId);
    if (node === undefined) return err(appError('NOT_FOUND', `No node "${nodeId}" in session "${sessionId}".`));
    const events = reader.listEvents(sessionId as SessionId);
    const steps = stepIndex(session.workflow);
    const view = toNodeView(
      node,
      steps,
      nodeFactsOf(events),
      new Set<string>(tipNodeIds(session)),
      session.run?.preferredTipNodeId ?? null,
    );
    const contextAtNode = reader.nodeContext(node.nodeId);
    const parentContext = node.parentNodeId === null ? null : reader.nodeContext(node.parentNodeId);
    const notes = events.flatMap((e) =>
      e.kind === 'output_appended' && e.data.channel === 'notes' && e.data.nodeId === node.nodeId
        ? [e.data.notesMarkdown]
        : [],
    );
    return ok({
      nodeId: view.nodeId,
      kind: view.kind,
      stepId: view.stepId,
      stepTitle: view.stepTitle,
      parentNodeId: view.parentNodeId,
      createdAt: view.createdAt,
      eventIndex: view.eventIndex,
      isTip: view.isTip,
      isPreferredTip: view.isPreferredTip,
      loop: view.loop,
      prompt: promptOf(session, node.nodeId, contextAtNode ?? {}),
      notesMarkdown: notes.length === 0 ? null : notes.join('\n\n'),
      artifacts: artifactsOf(reader, session.sessionId, [node.nodeId]),
      contextDelta: contextDelta(parentContext, contextAtNode),
      contextAtNode,
      validations: events.flatMap((e) =>
        e.kind === 'validation_performed' && e.nodeId === node.nodeId
          ? [
              {
                validationId: e.eventId,
                contractRef: e.data.contractRef,
                outcome: e.data.valid ? ('pass' as const) : ('fail' as const),
                issues: e.data.issues,
                suggestions: e.data.suggestions,
              },
            ]
          : [],
      ),
      gaps: [],
      advance: advanceOf(events, node.nodeId, node.nodeKind === 'blocked_attempt'),
      trace: traceEntries(events, steps).filter((t) => t.nodeId === node.nodeId),
      gate:
        node.state.gate === undefined ? null : { gateKind: node.state.gate.gateKind, verdict: null, rationale: null },
    });
  });
}

function promptOf(session: LoadedSession, nodeId: NodeId, context: JsonObject): string | null {
  const node = session.nodes.get(nodeId);
  if (node === undefined || node.state.kind !== 'pending' || session.workflow === null) return null;
  return renderPendingStep(session.workflow, node.state, context).pending.prompt;
}

/** Keys whose value at the node differs from its parent's context. */
function contextDelta(parent: JsonObject | null, own: JsonObject | null): JsonObject | null {
  if (own === null) return null;
  const delta = Object.fromEntries(
    Object.entries(own).filter(([key, value]) => JSON.stringify(parent?.[key]) !== JSON.stringify(value)),
  );
  return Object.keys(delta).length === 0 ? null : delta;
}

/**
 * For a blocked attempt, the advance that created it (with its blockers); for any other node, the advance recorded
 * from it (its first one when it was forked).
 */
function advanceOf(events: readonly SessionEvent[], nodeId: NodeId, isBlockedAttempt: boolean) {
  for (const e of events) {
    if (e.kind !== 'advance_recorded') continue;
    if (isBlockedAttempt ? e.data.toNodeId !== nodeId : e.data.fromNodeId !== nodeId) continue;
    return {
      attemptId: e.data.attemptId,
      outcome: e.data.outcome,
      toNodeId: e.data.toNodeId,
      blockers: (e.data.blockers ?? []).map(blockerView),
    };
  }
  return null;
}

function blockerView(blocker: Blocker) {
  return {
    code: blocker.code,
    message: blocker.message,
    suggestedFix: blocker.suggestedFix ?? null,
    pointer: pointerText(blocker.pointer),
  };
}

function pointerText(pointer: BlockerPointer): string {
  switch (pointer.kind) {
    case 'workflow_step':
      return `step ${pointer.stepId}`;
    case 'output_contract':
      return `contract ${pointer.contractRef}`;
    case 'assessment_dimension':
      return `assessment ${pointer.assessmentId}.${pointer.dimensionId}`;
    case 'context_key':
      return `context ${pointer.key}`;
    case 'context_budget':
      return 'context budget';
    default: {
      const unreachable: never = pointer;
      throw new Error(`unknown blocker pointer ${JSON.stringify(unreachable)}`);
    }
  }
}
