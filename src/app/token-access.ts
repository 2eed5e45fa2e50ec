// Resolving a token for a use case, in the order of docs/mcp-protocol.md §3: format and signature (outside the
// transaction), then record lookup, scope, session health and the workflow-hash check (inside it).
import type { SessionId } from '../engine/index.js';
import type { SessionHead, SessionLocked, SessionReader, StoredNode, StoredRun, TokenRecord } from '../store/index.js';
import { type Keyring, type Token, type TokenKind, verifyToken } from '../tokens/index.js';
import type { CompiledWorkflow, JsonObject } from '../workflow/types.js';
import { type AppError, appError } from './errors.js';
import { err, ok, type Result } from './result.js';

export type TokenOperation = 'advance' | 'rehydrate' | 'checkpoint';

const ALLOWED: { readonly [O in TokenOperation]: readonly TokenKind[] } = {
  advance: ['continue'],
  rehydrate: ['continue', 'state'],
  checkpoint: ['checkpoint'],
};

/** Everything a token names, loaded and checked, at a cost independent of the session's length. */
export interface TokenAccess {
  readonly record: TokenRecord;
  readonly session: SessionHead;
  readonly run: StoredRun;
  readonly workflow: CompiledWorkflow;
  readonly node: StoredNode;
  /** The context in force at the node (§6.4); `{}` when none was recorded. */
  readonly context: JsonObject;
  /** True when the node already has an advance successor: advancing again forks (§6.4). */
  readonly hasAdvanceSuccessor: boolean;
  /** Consecutive blocked_attempt nodes ending at the node, this one included. */
  readonly blockedStreak: number;
}

/** Format and signature only; no store access. */
export function verifyTokenString(token: unknown, keyring: Keyring): Result<Token, AppError> {
  const verified = verifyToken(typeof token === 'string' ? token : '', keyring);
  if (!verified.ok) return err(appError(verified.error.code, verified.error.message));
  return ok(verified.value.token);
}

/** Looks the token up and checks that it may be used for `operation` on a healthy session. */
export function accessToken(
  reader: SessionReader,
  token: Token,
  operation: TokenOperation,
): Result<TokenAccess, AppError> {
  const record = reader.findToken(token);
  if (record === null) return err(unknownNode('This token is not known to this server.'));
  if (!ALLOWED[operation].includes(record.kind)) return err(scopeMismatch(record.kind, operation));
  const loaded = reader.loadNode(record.sessionId, record.nodeId);
  if (loaded.kind === 'not_found') {
    const what = loaded.missing === 'session' ? `Session ${record.sessionId}` : `Node ${record.nodeId}`;
    return err(unknownNode(`${what} is not in the store.`));
  }
  if (loaded.kind === 'unhealthy') return err(notHealthy(record.sessionId, loaded.health));
  const { session, node, context, hasAdvanceSuccessor, blockedStreak } = loaded.position;
  if (session.run === null || session.workflow === null) {
    return err(unknownNode(`Session ${record.sessionId} has no run.`));
  }
  if (record.workflowHash !== session.run.workflowHash) {
    return err(
      appError('TOKEN_WORKFLOW_HASH_MISMATCH', 'The token was issued for a different version of the workflow.', {
        tokenWorkflowHash: record.workflowHash,
        pinnedWorkflowHash: session.run.workflowHash,
        suggestion: 'Use resume_session to get a fresh token for this session.',
      }),
    );
  }
  return ok({
    record,
    session,
    run: session.run,
    workflow: session.workflow,
    node,
    context,
    hasAdvanceSuccessor,
    blockedStreak,
  });
}

/** The store's lock timeout as the protocol's TOKEN_SESSION_LOCKED (§9). */
export function lockedError(locked: SessionLocked): AppError {
  const which = locked.sessionId === null ? 'The session store' : `Session ${locked.sessionId}`;
  return appError('TOKEN_SESSION_LOCKED', `${which} is busy with another call.`, {
    waitedMs: locked.waitBudgetMs,
    suggestion: 'Retry the same call unchanged.',
  });
}

export function notHealthy(sessionId: SessionId, health: { readonly kind: string; readonly reason: string }): AppError {
  return appError('SESSION_NOT_HEALTHY', `Session ${sessionId} failed its integrity checks.`, {
    health: { kind: health.kind, reason: health.reason },
    suggestion: 'Start a new session; this one cannot be continued.',
  });
}

function unknownNode(message: string): AppError {
  return appError('TOKEN_UNKNOWN_NODE', message, {
    suggestion: 'Pass tokens back exactly as received, or use resume_session to find the session.',
  });
}

function scopeMismatch(kind: TokenKind, operation: TokenOperation): AppError {
  const expected = {
    advance: 'a ct_ continue token',
    rehydrate: 'a ct_ or st_ token',
    checkpoint: 'a ck_ checkpoint token',
  }[operation];
  const hint =
    kind === 'state'
      ? 'An st_ token can only rehydrate: call continue_workflow with intent "rehydrate" and use the new ct_.'
      : kind === 'checkpoint'
        ? 'A ck_ token is for checkpoint_workflow only.'
        : 'Pass the checkpointToken (ck_) to checkpoint_workflow.';
  return appError('TOKEN_SCOPE_MISMATCH', `${operation} needs ${expected}.`, { tokenKind: kind, suggestion: hint });
}
