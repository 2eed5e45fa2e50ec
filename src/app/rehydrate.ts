// Rehydrate (docs: mcp-protocol.md §6.3): re-present the token's node without advancing. Records no events; mints
// a fresh attempt and ct_/ck_ pair, and adds a recovery context of at most 24 KiB (oldest parts dropped first).
import type { Blocker, NodeId } from '../engine/index.js';
import { pendingStepOf } from '../engine/index.js';
import type { LoadedSession, StoredNode } from '../store/index.js';
import { utf8Length } from '../workflow/canonical.js';
import type { AppError } from './errors.js';
import {
  completeResponse,
  type ExecutionResponse,
  gateResponse,
  pendingResponse,
  type RecoveryContext,
  type ResponseWarning,
  withExtras,
} from './execution-response.js';
import { err, ok, type Result } from './result.js';
import { issueAttempt, type TokenMinting } from './session-tokens.js';
import { notHealthy, type TokenAccess } from './token-access.js';

export const RECOVERY_MAX_BYTES = 24 * 1024;

type Part = RecoveryContext['parts'][number];

/** The rehydrate response for an already checked token; `drift` holds the BINDING_DRIFT warnings. */
export function rehydrateInTx(
  minting: TokenMinting,
  access: TokenAccess,
  drift: readonly ResponseWarning[],
): Result<ExecutionResponse, AppError> {
  const { node, workflow, run, session } = access;
  const { state } = node;
  if (state.kind === 'complete' && state.gate === undefined) return ok(completeResponse(state));
  const loaded = minting.tx.loadSession(session.sessionId);
  if (loaded.kind === 'unhealthy') return err(notHealthy(session.sessionId, loaded.health));
  if (loaded.kind !== 'ok') throw new Error(`session ${session.sessionId} vanished inside its transaction`);
  const target = {
    sessionId: session.sessionId,
    runId: run.runId,
    nodeId: node.nodeId,
    workflowHash: workflow.workflowHash,
  };
  const tokens = issueAttempt(minting, target);
  if (state.kind === 'complete' || state.gate !== undefined) {
    const gate = state.gate!;
    return ok(withExtras(gateResponse(tokens.continueToken, gate.stepId, gate.gateKind), { warnings: drift }));
  }
  const base = pendingResponse({ workflow, state, context: access.context, tokens, rehydrate: true });
  const recovery = recoveryContext(minting, access, loaded.session, drift);
  return ok(withExtras(base, { recoveryContext: recovery, warnings: drift }));
}

function recoveryContext(
  minting: TokenMinting,
  access: TokenAccess,
  graph: LoadedSession,
  drift: readonly ResponseWarning[],
): RecoveryContext {
  const { node, workflow, run, session } = access;
  const parts: Part[] = [...pathNotes(minting, graph, node)];
  if (access.hasAdvanceSuccessor) {
    parts.push({
      kind: 'fork',
      title: 'Branch',
      text: 'This step was already advanced from here. Advancing again creates a new branch; the other branch keeps its own context.',
    });
  }
  if (node.nodeKind === 'blocked_attempt') {
    const blockers = blockersInto(minting, session.sessionId, node.nodeId);
    if (blockers.length > 0) {
      parts.push({
        kind: 'blockers',
        title: 'Why the last attempt was blocked',
        text: blockers
          .map((b) => `- ${b.code}: ${b.message}${b.suggestedFix === undefined ? '' : ` Fix: ${b.suggestedFix}`}`)
          .join('\n'),
      });
    }
  }
  const pending = node.state.kind === 'pending' ? pendingStepOf(workflow, node.state) : null;
  const definitions = pending?.step.kind === 'standard' ? pending.step.functionDefinitions : [];
  if (definitions.length > 0) {
    parts.push({
      kind: 'functions',
      title: 'Function definitions',
      text: definitions.map((d) => `- \`${d.name}()\`: ${d.definition}`).join('\n'),
    });
  }
  if (workflow.metaGuidance.length > 0) {
    parts.push({ kind: 'metaGuidance', title: 'Workflow guidance', text: bullets(workflow.metaGuidance) });
  }
  if (run.references.length > 0) {
    const lines = run.references.map(
      (r) => `${r.title} (${r.resolvedPath ?? 'unresolved'})${r.authoritative ? ' [authoritative]' : ''}: ${r.purpose}`,
    );
    parts.push({ kind: 'references', title: 'References', text: bullets(lines) });
  }
  if (drift.length > 0) {
    parts.push({ kind: 'bindingDrift', title: 'Binding drift', text: bullets(drift.map((w) => w.message)) });
  }
  return fitToBudget(parts);
}

/** Notes of the steps on the path from the root to the node, oldest first (the node's own are another branch's). */
function pathNotes(minting: TokenMinting, session: LoadedSession, node: StoredNode): Part[] {
  const ancestors: StoredNode[] = [];
  for (let id = node.parentNodeId; id !== null; ) {
    const ancestor = session.nodes.get(id);
    if (ancestor === undefined) break;
    ancestors.push(ancestor);
    id = ancestor.parentNodeId;
  }
  const byId = new Map(ancestors.map((a) => [a.nodeId, a]));
  return minting.tx.listOutputs(session.sessionId, [...byId.keys()]).flatMap((output) => {
    if (output.channel !== 'notes') return [];
    const state = byId.get(output.nodeId)?.state;
    const stepId = state?.kind === 'pending' ? state.pendingStepId : 'step';
    return [{ kind: 'notes' as const, title: `Notes from "${stepId}"`, text: output.notesMarkdown }];
  });
}

function blockersInto(
  minting: TokenMinting,
  sessionId: TokenAccess['session']['sessionId'],
  nodeId: NodeId,
): readonly Blocker[] {
  for (const event of minting.tx.listEvents(sessionId)) {
    if (event.kind === 'advance_recorded' && event.data.toNodeId === nodeId) return event.data.blockers ?? [];
  }
  return [];
}

/** Drops the oldest parts until the rest fits; a single part still too large keeps its end. */
export function fitToBudget(parts: readonly Part[], maxBytes = RECOVERY_MAX_BYTES): RecoveryContext {
  const size = (p: Part) => utf8Length(p.title) + utf8Length(p.text);
  let total = parts.reduce((sum, p) => sum + size(p), 0);
  let first = 0;
  while (total > maxBytes && parts.length - first > 1) {
    total -= size(parts[first]!);
    first += 1;
  }
  const kept = parts.slice(first);
  if (total > maxBytes && kept.length === 1) {
    const only = kept[0]!;
    const room = Math.max(0, maxBytes - utf8Length(only.title) - 3);
    kept[0] = { ...only, text: `…${tailBytes(only.text, room)}` };
  }
  return { parts: kept, droppedParts: first };
}

function tailBytes(text: string, maxBytes: number): string {
  let tail = text.slice(-maxBytes);
  while (utf8Length(tail) > maxBytes) tail = tail.slice(1);
  return tail;
}

function bullets(lines: readonly string[]): string {
  return lines.map((line) => `- ${line}`).join('\n');
}
