// `workrail sessions import FILE`: verify a bundle written by `exportSession`, then store its events as a NEW session
// (fresh session, run, node and attempt ids) through the store, so every projection is built as for a live session,
// and mint the resume token of its current position. One transaction; a refused bundle writes nothing.

import type { NewEvent, SessionEvent, SessionId } from '../engine/index.js';
import type { StateToken } from '../tokens/index.js';
import { pinCompiledWorkflow } from '../workflow/hash.js';
import type { WorkflowHash } from '../workflow/types.js';
import type { AppDeps } from './deps.js';
import type { AppError } from './errors.js';
import type { IdPrefix } from './ids.js';
import { err, ok, type Result } from './result.js';
import { ID_FIELDS, type SessionBundle, verifyBundle } from './session-bundle.js';
import { type RehydrateCall, rehydrateCall, stateTokenFor } from './session-tokens.js';
import { type StepRef, stepRefOf } from './show-session.js';
import { lockedError } from './token-access.js';

export interface ImportSessionInput {
  /** The bundle file's text as `exportSession` produced it (its JSON formatting does not matter). */
  readonly bundleText: string;
}

export interface ImportSessionOutput {
  readonly sessionId: SessionId;
  /** The session the bundle was exported from. */
  readonly importedFrom: SessionId;
  readonly workflowId: string;
  readonly workflowHash: WorkflowHash;
  readonly workspacePath: string;
  readonly eventCount: number;
  readonly status: 'in_progress' | 'complete';
  /** The step waiting at the session's current position; null when the run is complete. */
  readonly pendingStep: StepRef | null;
  /** The `st_` of the current position: rehydrate with it to continue (docs/mcp-protocol.md §6.3). */
  readonly resumeToken: StateToken;
  readonly nextCall: RehydrateCall;
}

/**
 * Imports a bundle as a new session. Fails with VALIDATION_ERROR (`details.reason` says why the bundle was refused:
 * malformed JSON, wrong format or version, a modified workflow or event, inconsistent events) or
 * TOKEN_SESSION_LOCKED; either way nothing is written.
 */
export function importSession(deps: AppDeps, input: ImportSessionInput): Result<ImportSessionOutput, AppError> {
  const verified = verifyBundle(input.bundleText);
  if (!verified.ok) return verified;
  const bundle = verified.value;
  const { workflowHash, ...content } = bundle.workflow;
  const workflow = pinCompiledWorkflow(content);
  if (workflow.workflowHash !== workflowHash) throw new Error('a verified bundle workflow changed hash when pinned');
  const sessionId = deps.ids.newId('sess');
  const events = withNewIds(bundle, sessionId, deps.ids.newId);
  const now = deps.clock.now();

  const committed = deps.store.transaction(sessionId, (tx) => {
    tx.pinWorkflow(workflow);
    const appended = tx.appendEvents(sessionId, events);
    if (appended.length !== events.length) throw new Error(`import of ${sessionId} skipped events`);
    // The bundle checks cover the store's §9 checks; failing them here means a forged bundle or a bug.
    const loaded = tx.loadSession(sessionId);
    if (loaded.kind !== 'ok') throw new Error(`imported session ${sessionId} is ${loaded.kind}`);
    const { session } = loaded;
    const run = session.run;
    const nodeId = run?.preferredTipNodeId ?? run?.finalNodeId ?? null;
    const node = nodeId === null ? undefined : session.nodes.get(nodeId);
    if (run === null || node === undefined) throw new Error(`imported session ${sessionId} has no current node`);
    const resumeToken = stateTokenFor(
      { tx, keyring: deps.keyring, ids: deps.ids, now },
      { sessionId, runId: run.runId, nodeId: node.nodeId, workflowHash: run.workflowHash },
    );
    const pendingStep = !run.isComplete && node.state.kind === 'pending' ? stepRefOf(tx, session, node) : null;
    return ok({
      sessionId,
      importedFrom: bundle.sessionId,
      workflowId: run.workflowId,
      workflowHash: run.workflowHash,
      workspacePath: session.workspacePath,
      eventCount: appended.length,
      status: run.isComplete ? 'complete' : 'in_progress',
      pendingStep,
      resumeToken,
      nextCall: rehydrateCall(resumeToken, session.workspacePath),
    } satisfies ImportSessionOutput);
  });
  return committed.ok ? committed.value : err(lockedError(committed.error));
}

type Fields = { readonly [key: string]: unknown };

/**
 * The bundle's events as new events of `sessionId`: every run, node and attempt id (in the envelope, in the data's
 * id fields and inside dedupe keys) is replaced by a fresh one, consistently; the store assigns event ids and seqs.
 */
function withNewIds(
  bundle: SessionBundle,
  sessionId: SessionId,
  newId: <P extends IdPrefix>(prefix: P) => `${P}_${string}`,
): NewEvent[] {
  const renamed = new Map<string, string>([[bundle.sessionId, sessionId]]);
  const rename = (fields: Fields): Fields => {
    const out: { [key: string]: unknown } = { ...fields };
    for (const [field, prefix] of Object.entries(ID_FIELDS)) {
      const id = out[field];
      if (typeof id !== 'string') continue;
      if (!renamed.has(id)) renamed.set(id, newId(prefix));
      out[field] = renamed.get(id);
    }
    return out;
  };
  const events = bundle.events.map((event: SessionEvent): Fields => {
    const { eventId: _eventId, sessionId: _sessionId, seq: _seq, data, ...envelope } = event;
    return { ...rename(envelope), data: rename(data as unknown as Fields) };
  });
  // Dedupe keys are built from ids joined by ':' (`advance:<nodeId>:<attemptId>`), so rename them segment by segment
  // once every id of the bundle has its new name.
  return events.map(
    (event) =>
      ({
        ...event,
        dedupeKey: String(event.dedupeKey)
          .split(':')
          .map((part) => renamed.get(part) ?? part)
          .join(':'),
      }) as unknown as NewEvent,
  );
}
