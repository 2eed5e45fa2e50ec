// Minting and reusing token records (docs: mcp-protocol.md §3 "Stability"): a node's st_ is minted once; the
// ct_/ck_ pair of a (node, attempt) is minted once, over one nonce (the SQLite store keeps one row per nonce).
// Called only inside a use case's transaction.
import type { AttemptId, NodeId, RunId, SessionId } from '../engine/index.js';
import type { SessionTx } from '../store/index.js';
import {
  type Keyring,
  mintToken,
  mintTokenPair,
  type StateToken,
  type Token,
  type TokenKind,
  type TokenOfKind,
} from '../tokens/index.js';
import type { WorkflowHash } from '../workflow/types.js';
import type { TokenPair } from './execution-response.js';
import type { Ids } from './ids.js';

/** Where tokens point: the session, run and node, with the pinned workflow hash recorded alongside. */
export interface TokenTarget {
  readonly sessionId: SessionId;
  readonly runId: RunId;
  readonly nodeId: NodeId;
  readonly workflowHash: WorkflowHash;
}

export interface TokenMinting {
  readonly tx: SessionTx;
  readonly keyring: Keyring;
  readonly ids: Ids;
  readonly now: number;
}

/** A fresh attempt at `target` with its new ct_/ck_ pair, both recorded. */
export function issueAttempt(m: TokenMinting, target: TokenTarget): TokenPair & { readonly attemptId: AttemptId } {
  const attemptId = m.ids.newId('attempt');
  const pair = mintTokenPair(m.keyring, m.ids.randomBytes);
  record(m, pair.continueToken, 'continue', target, attemptId);
  record(m, pair.checkpointToken, 'checkpoint', target, attemptId);
  return { attemptId, ...pair };
}

/** The node's st_, minted and recorded on first use, the stored string afterwards. */
export function stateTokenFor(m: TokenMinting, target: TokenTarget): StateToken {
  const existing = m.tx.findTokenFor('state', target.nodeId, null);
  if (existing !== null) return existing as StateToken;
  return insert(m, 'state', target, null);
}

function insert<K extends TokenKind>(
  m: TokenMinting,
  kind: K,
  target: TokenTarget,
  attemptId: AttemptId | null,
): TokenOfKind<K> {
  const token = mintToken(kind, m.keyring, m.ids.randomBytes);
  record(m, token, kind, target, attemptId);
  return token;
}

function record(m: TokenMinting, token: Token, kind: TokenKind, target: TokenTarget, attemptId: AttemptId | null) {
  m.tx.insertToken({ token, kind, ...target, attemptId, createdAtMs: m.now });
}

/** The `continue_workflow` call that resumes a session at its `st_` (docs: mcp-protocol.md §6.3). */
export interface RehydrateCall {
  readonly tool: 'continue_workflow';
  readonly params: {
    readonly continueToken: StateToken;
    readonly intent: 'rehydrate';
    readonly workspacePath: string;
  };
}

export function rehydrateCall(resumeToken: StateToken, workspacePath: string): RehydrateCall {
  return { tool: 'continue_workflow', params: { continueToken: resumeToken, intent: 'rehydrate', workspacePath } };
}
