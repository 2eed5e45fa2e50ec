// The SessionStore contract (docs/mcp-protocol.md §9, §10). SQLite implements it today; a PostgreSQL adapter
// implements the same interface later without touching app/. Events are the source of truth; every other table
// is a projection updated in the same transaction as the events it derives from.
import type {
  AttemptId,
  BlockerCode,
  EdgeCause,
  NewEvent,
  NodeId,
  NodeKind,
  ResolvedReference,
  RunId,
  SessionEvent,
  SessionId,
} from '../engine/events.js';
import type { EngineState } from '../engine/state.js';
import type { Token, TokenKind } from '../tokens/index.js';
import type { CompiledWorkflow, JsonObject, JsonValue, WorkflowHash } from '../workflow/types.js';

export interface SessionStore {
  /**
   * Runs `fn` in one write transaction (`BEGIN IMMEDIATE`): one use case = one transaction. If `fn` returns, the
   * transaction commits and its value comes back as `{ok: true, value}`; if it throws, everything it wrote is rolled
   * back and the error is rethrown. When another connection holds the write lock beyond the wait budget, nothing
   * runs and the result is `{ok: false, error: SessionLocked}` (the app's `TOKEN_SESSION_LOCKED`). `fn` must be
   * synchronous: gather async inputs before calling. `sessionId` names the session the call is about; SQLite takes one
   * database-wide write lock and uses it only in the `SessionLocked` error, a PostgreSQL adapter can lock per session.
   * @example
   * const result = store.transaction(sessionId, (tx) => tx.appendEvents(sessionId, events));
   * if (!result.ok) return lockedError(result.error);
   */
  transaction<T>(sessionId: SessionId | null, fn: (tx: SessionTx) => T): TransactionResult<T>;
  /** Runs `fn` against one consistent snapshot without taking the write lock (for read-only use cases). */
  read<T>(fn: (reader: SessionReader) => T): T;
  /** Drops every projection and recomputes it from the events, in one transaction. Tokens, pinned
   * workflows and remembered roots are not projections and are kept. */
  rebuildProjections(): TransactionResult<void>;
  /** A number that changes whenever any process commits to the store (the console polls it to detect changes). */
  changeCounter(): number;
  close(): void;
}

/** The store cannot be opened: its server is unreachable or its driver is not installed. The message says which. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

export type TransactionResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: SessionLocked };

/** The write lock stayed busy beyond the wait budget (docs/mcp-protocol.md §9). */
export interface SessionLocked {
  readonly kind: 'session_locked';
  readonly sessionId: SessionId | null;
  /** How long the call waited for the lock before giving up. */
  readonly waitBudgetMs: number;
}

/** Reads available both inside a write transaction and in `read()`. */
export interface SessionReader {
  /**
   * The whole session (run, pinned workflow, every node and edge) with the full §9 integrity checks: `unhealthy`
   * when a check fails, never a throw. Cost grows with the session; advancing calls use `loadNode`.
   */
  loadSession(sessionId: SessionId): LoadSessionResult;
  /**
   * What one advance needs, at a cost independent of the session's length: the session head (run, pinned workflow),
   * the node, its context, whether it already has an advance successor and its blocked streak. Checks the event
   * sequence, the node and edge counts, the pinned workflow and the node's own records; `not_found` when the session
   * or the node (in that session) does not exist.
   */
  loadNode(sessionId: SessionId, nodeId: NodeId): LoadNodeResult;
  /** The §9 integrity checks alone, without loading nodes (for scanning many sessions). */
  checkHealth(sessionId: SessionId): SessionHealth;
  /** The context in force at a node: the latest `context_set` on its path from the root (§6.4); null if none. */
  nodeContext(nodeId: NodeId): JsonObject | null;
  getWorkflow(workflowHash: WorkflowHash): CompiledWorkflow | null;
  findToken(token: string): TokenRecord | null;
  /** Every token minted for a session, oldest first (for copying a store; `workrail store migrate`). */
  listTokens(sessionId: SessionId): TokenRecord[];
  /**
   * The session a token names and that session's workspace, from one index lookup and without integrity checks: for
   * gathering facts before a transaction, which then resolves the token fully. Null for an unknown token or session.
   */
  locateToken(token: string): TokenLocation | null;
  /** The stored token of `kind` for a node (and attempt, for `continue`/`checkpoint`), so it can be reused (§3). */
  findTokenFor(kind: TokenKind, nodeId: NodeId, attemptId: AttemptId | null): Token | null;
  /** The advance already recorded from (node, attempt), with its stored response, for replay (§6.2). */
  findAdvance(nodeId: NodeId, attemptId: AttemptId): RecordedAdvance | null;
  /** The checkpoint node already recorded for (node, attempt), so checkpoint_workflow can repeat itself (§6.5). */
  findCheckpoint(nodeId: NodeId, attemptId: AttemptId): NodeId | null;
  /** Notes and artifacts of a session in recording order (optionally only those of some nodes). */
  listOutputs(sessionId: SessionId, nodeIds?: readonly NodeId[]): StoredOutput[];
  /** The raw event log from `fromSeq` (inclusive), in seq order. */
  listEvents(sessionId: SessionId, fromSeq?: number): SessionEvent[];
  /** The most recently active sessions, newest first (resume_session considers 200, §8). */
  listRecentSessions(limit: number): SessionSummary[];
  /** Sessions whose title, goal or notes match words of `query` (prefix match, any word), best match first. */
  searchSessions(query: string, limit: number): SessionMatch[];
  listSessions(filter: SessionFilter): SessionSummary[];
  sessionMetrics(sessionId: SessionId): SessionMetrics | null;
  listRoots(): RememberedRoot[];
}

/** Writes, only inside `transaction()`. Decide first, write last (STYLE §5). */
export interface SessionTx extends SessionReader {
  /**
   * Appends events in order, assigning `eventId`, `sessionId` and the next contiguous `seq`, and applies each to the
   * projections. An event whose `dedupeKey` is already recorded for the session is skipped. Returns the events
   * actually appended.
   */
  appendEvents(sessionId: SessionId, events: readonly NewEvent[]): SessionEvent[];
  /**
   * Writes another store's log of one session exactly as given (event ids, seq, times) and applies each event to the
   * projections, as appendEvents would. For copying a store (`workrail store migrate`); throws if the session already
   * has events here or the events are not numbered 0..n-1.
   */
  importEvents(sessionId: SessionId, events: readonly SessionEvent[]): void;
  /** Stores a compiled workflow under its hash; pinning the same hash again is a no-op. */
  pinWorkflow(compiled: CompiledWorkflow): void;
  /** Records a minted token (and its attempt). Throws if the token string already exists. */
  insertToken(record: TokenRecord): void;
  /** Remembers a workspace root for workflow discovery, updating its last-seen time. */
  rememberRoot(path: string, atMs: number): void;
  /** Forgets roots last seen before `cutoffMs`; returns how many were removed. */
  forgetRootsSeenBefore(cutoffMs: number): number;
}

export type LoadSessionResult =
  | { readonly kind: 'ok'; readonly session: LoadedSession }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'unhealthy'; readonly health: UnhealthyReason };

export type SessionHealth =
  | { readonly kind: 'healthy' }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'unhealthy'; readonly health: UnhealthyReason };

/** Becomes `SESSION_NOT_HEALTHY` with `details.health` in the app. */
export interface UnhealthyReason {
  readonly kind:
    | 'event_sequence_broken'
    | 'missing_node_state'
    | 'dangling_edge'
    | 'missing_pinned_workflow'
    | 'corrupt_record';
  readonly reason: string;
}

export type LoadNodeResult =
  | { readonly kind: 'ok'; readonly position: NodePosition }
  | { readonly kind: 'not_found'; readonly missing: 'session' | 'node' }
  | { readonly kind: 'unhealthy'; readonly health: UnhealthyReason };

export interface NodePosition {
  readonly session: SessionHead;
  readonly node: StoredNode;
  /** The context in force at the node (§6.4); `{}` when none was recorded. */
  readonly context: JsonObject;
  /** True when the node already has a step, blocked_attempt or gate_checkpoint child: advancing again forks. */
  readonly hasAdvanceSuccessor: boolean;
  /** Consecutive blocked_attempt nodes ending at this node, this one included (0 when it is not one). */
  readonly blockedStreak: number;
}

export interface LoadedSession extends SessionHead {
  readonly nodes: ReadonlyMap<NodeId, StoredNode>;
  /** In creation order. */
  readonly edges: readonly StoredEdge[];
}

/** A session without its graph. */
export interface SessionHead {
  readonly sessionId: SessionId;
  readonly workspacePath: string;
  readonly createdAtMs: number;
  readonly lastActivityMs: number;
  /** Seq of the last event; the next append gets `lastSeq + 1`. */
  readonly lastSeq: number;
  readonly observations: SessionObservations;
  /** Null only for a session whose run was never started. */
  readonly run: StoredRun | null;
  /** The run's pinned workflow (present whenever `run` is). */
  readonly workflow: CompiledWorkflow | null;
}

export interface SessionObservations {
  readonly repoRoot: string | null;
  readonly repoRootHash: string | null;
  readonly gitBranch: string | null;
  readonly gitHeadSha: string | null;
}

export interface StoredRun {
  readonly runId: RunId;
  readonly workflowId: string;
  readonly workflowHash: WorkflowHash;
  readonly sourceKind: string;
  readonly sourcePath: string | null;
  readonly goal: string;
  readonly modelTier: string | null;
  readonly bindings: { readonly [slotId: string]: string };
  readonly references: readonly ResolvedReference[];
  readonly startedAtMs: number;
  readonly isComplete: boolean;
  readonly completedAtMs: number | null;
  readonly finalNodeId: NodeId | null;
  /** The last-created `step` or `blocked_attempt` node: the preferred tip of §6.4. */
  readonly preferredTipNodeId: NodeId | null;
}

export interface StoredNode {
  readonly nodeId: NodeId;
  readonly nodeKind: NodeKind;
  readonly parentNodeId: NodeId | null;
  readonly workflowHash: WorkflowHash;
  readonly state: EngineState;
  readonly createdAtMs: number;
  /** Seq of its `node_created` event: orders nodes by creation. */
  readonly seq: number;
}

export interface StoredEdge {
  readonly fromNodeId: NodeId;
  readonly toNodeId: NodeId;
  readonly edgeKind: 'advance' | 'checkpoint';
  readonly cause: EdgeCause;
  readonly seq: number;
}

export interface RecordedAdvance {
  readonly fromNodeId: NodeId;
  readonly attemptId: AttemptId;
  readonly outcome: 'advanced' | 'blocked' | 'gated';
  readonly toNodeId: NodeId;
  readonly blockerCodes: readonly BlockerCode[];
  /** `advance_recorded.data.response`, exactly as recorded; undefined if the use case recorded none. */
  readonly response: JsonValue | undefined;
  readonly seq: number;
}

export type StoredOutput =
  | {
      readonly channel: 'notes';
      readonly nodeId: NodeId;
      readonly attemptId: AttemptId;
      readonly seq: number;
      readonly atMs: number;
      readonly notesMarkdown: string;
    }
  | {
      readonly channel: 'artifact';
      readonly nodeId: NodeId;
      readonly attemptId: AttemptId;
      readonly seq: number;
      readonly atMs: number;
      readonly artifact: {
        readonly kind: string;
        readonly sha256: string;
        readonly bytes: number;
        readonly content: JsonObject;
      };
    };

export interface TokenRecord {
  readonly token: Token;
  readonly kind: TokenKind;
  readonly sessionId: SessionId;
  readonly runId: RunId;
  readonly nodeId: NodeId;
  /** Null for `state` tokens, which name a node only. */
  readonly attemptId: AttemptId | null;
  readonly workflowHash: WorkflowHash;
  readonly createdAtMs: number;
}

export interface TokenLocation {
  readonly sessionId: SessionId;
  readonly workspacePath: string;
}

export interface SessionSummary {
  readonly sessionId: SessionId;
  readonly workspacePath: string;
  readonly createdAtMs: number;
  readonly lastActivityMs: number;
  /** §8: first of goal, taskDescription, mrTitle, prTitle, ticketTitle, problem in the latest context, else the
   * first line of the earliest notes. */
  readonly title: string | null;
  readonly goal: string | null;
  readonly observations: SessionObservations;
  readonly runId: RunId | null;
  readonly workflowId: string | null;
  readonly workflowHash: WorkflowHash | null;
  readonly preferredTipNodeId: NodeId | null;
  /** The preferred tip's pending step id; null when the run is complete or has no tip. */
  readonly pendingStepId: string | null;
  readonly isComplete: boolean;
}

export interface SessionMatch {
  readonly sessionId: SessionId;
  /** Lower is better (FTS5 bm25). */
  readonly rank: number;
}

export interface SessionFilter {
  readonly workflowId?: string;
  readonly status?: 'in_progress' | 'complete';
  readonly repoRootHash?: string;
  readonly gitBranch?: string;
  readonly sinceMs?: number;
  readonly untilMs?: number;
  /** Page after this (lastActivityMs, sessionId) cursor, newest first. */
  readonly before?: { readonly lastActivityMs: number; readonly sessionId: SessionId };
  readonly limit: number;
}

export interface SessionMetrics {
  readonly sessionId: SessionId;
  readonly startedAtMs: number;
  readonly endedAtMs: number | null;
  readonly durationMs: number | null;
  readonly stepsAdvanced: number;
  readonly blockedAttempts: number;
  /** The context's `metrics_outcome` (§7.2) if the agent set one. */
  readonly outcome: string | null;
  readonly isComplete: boolean;
  readonly startSha: string | null;
  readonly endSha: string | null;
}

export interface RememberedRoot {
  readonly path: string;
  readonly lastSeenMs: number;
}
