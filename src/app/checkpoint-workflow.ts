// checkpoint_workflow (docs: mcp-protocol.md §4.5, §6.5): record, once per (node, attempt), a checkpoint node that
// any later agent can rehydrate through the returned st_. Repeating the call returns the identical response.
import { checkpointEvents } from '../engine/index.js';
import type { CheckpointToken, ContinueToken, StateToken } from '../tokens/index.js';
import type { JsonObject } from '../workflow/types.js';
import type { AppDeps } from './deps.js';
import type { AppError } from './errors.js';
import { type NextCall, nextCallFor } from './execution-response.js';
import { checkKnownKeys, isPlainObject, missingRequired, validationError } from './input-checks.js';
import { err, ok, type Result } from './result.js';
import { stateTokenFor } from './session-tokens.js';
import { accessToken, lockedError, verifyTokenString } from './token-access.js';

export interface CheckpointWorkflowInput {
  readonly checkpointToken: CheckpointToken | string;
}

export interface CheckpointWorkflowOutput {
  readonly checkpointNodeId: `node_${string}`;
  /** The st_ of the token's node: rehydrates this exact position later. */
  readonly resumeToken: StateToken;
  /** Continues with the unchanged ct_ of the same (node, attempt). */
  readonly nextCall: NextCall;
}

const TEMPLATE: JsonObject = { checkpointToken: 'ck_…' };

/**
 * Records a checkpoint at the token's (node, attempt) without advancing. Failures: VALIDATION_ERROR, the token
 * errors of §3 (TOKEN_SCOPE_MISMATCH for anything but a ck_), SESSION_NOT_HEALTHY, TOKEN_SESSION_LOCKED.
 */
export function checkpointWorkflow(
  deps: AppDeps,
  input: CheckpointWorkflowInput,
): Result<CheckpointWorkflowOutput, AppError> {
  if (!isPlainObject(input)) {
    return err(validationError('Input must be an object.', TEMPLATE, [{ path: '', message: 'must be an object' }]));
  }
  const unknown = checkKnownKeys(input, ['checkpointToken'], TEMPLATE);
  if (unknown !== null) return err(unknown);
  if (input.checkpointToken === undefined) return err(missingRequired('checkpointToken', 'ck_…', TEMPLATE));
  const token = verifyTokenString(input.checkpointToken, deps.keyring);
  if (!token.ok) return token;
  const sessionId = deps.store.read((reader) => reader.findToken(token.value)?.sessionId ?? null);
  const now = deps.clock.now();

  const committed = deps.store.transaction(sessionId, (tx): Result<CheckpointWorkflowOutput, AppError> => {
    const access = accessToken(tx, token.value, 'checkpoint');
    if (!access.ok) return access;
    const { record, node, run, workflow, session } = access.value;
    const attemptId = record.attemptId;
    if (attemptId === null) throw new Error(`checkpoint token ${record.token} has no attempt`);
    const continueToken = tx.findTokenFor('continue', node.nodeId, attemptId) as ContinueToken | null;
    if (continueToken === null) throw new Error(`no continue token stored for ${node.nodeId}/${attemptId}`);

    let checkpointNodeId = tx.findCheckpoint(node.nodeId, attemptId);
    if (checkpointNodeId === null) {
      const recorded = checkpointEvents({
        from: { nodeId: node.nodeId, state: node.state, attemptId },
        workflowHash: workflow.workflowHash,
        env: { now, runId: run.runId, newId: deps.ids.newId },
      });
      tx.appendEvents(session.sessionId, recorded.events);
      checkpointNodeId = recorded.checkpointNodeId;
    }
    const resumeToken = stateTokenFor(
      { tx, keyring: deps.keyring, ids: deps.ids, now },
      { sessionId: session.sessionId, runId: run.runId, nodeId: node.nodeId, workflowHash: workflow.workflowHash },
    );
    return ok({ checkpointNodeId, resumeToken, nextCall: nextCallFor(continueToken) });
  });
  return committed.ok ? committed.value : err(lockedError(committed.error));
}
