// resume_session (docs: mcp-protocol.md §4.6, §8): rank the most recent sessions for the caller's workspace and
// query, and hand back up to five with an st_ each. Writes no session events: only token rows and the root.
import path from 'node:path';
import type { NodeId, RunId, SessionId } from '../engine/index.js';
import type { SessionReader, SessionSummary } from '../store/index.js';
import type { StateToken } from '../tokens/index.js';
import type { JsonObject, WorkflowHash } from '../workflow/types.js';
import type { AppDeps } from './deps.js';
import type { AppError } from './errors.js';
import { readGitFacts } from './git-observations.js';
import { checkKnownKeys, isPlainObject, missingRequired, validationError } from './input-checks.js';
import { err, ok, type Result } from './result.js';
import {
  type CandidateFacts,
  type Confidence,
  type RankedCandidate,
  type ResumeAnchors,
  rankCandidates,
  type WhyMatched,
} from './resume-ranking.js';
import { type RehydrateCall, rehydrateCall, stateTokenFor } from './session-tokens.js';
import { lockedError } from './token-access.js';

export interface ResumeSessionInput {
  readonly workspacePath: string;
  /** Free text, 1–256 characters. Without it the text tiers are skipped. */
  readonly query?: string;
  readonly sessionId?: string;
  readonly runId?: string;
  /** Overrides the detected branch. */
  readonly gitBranch?: string;
  /** Overrides the detected HEAD. */
  readonly gitHeadSha?: string;
  readonly sameWorkspaceOnly?: boolean;
}

export interface ResumeCandidate {
  readonly sessionId: SessionId;
  readonly runId: RunId;
  readonly workflowId: string;
  readonly sessionTitle: string | null;
  readonly gitBranch: string | null;
  readonly resumeToken: StateToken;
  readonly snippet: string;
  readonly confidence: Confidence;
  readonly matchExplanation: string;
  readonly whyMatched: readonly WhyMatched[];
  readonly pendingStepId: string | null;
  readonly isComplete: boolean;
  readonly lastActivityMs: number;
  readonly nextCall: RehydrateCall;
}

export interface ResumeSessionOutput {
  readonly candidates: readonly ResumeCandidate[];
  readonly totalEligible: number;
}

export const RESUME_CANDIDATE_POOL = 200;
export const RESUME_MAX_RESULTS = 5;
export const SNIPPET_MAX_BYTES = 2048;

const KNOWN_KEYS = ['workspacePath', 'query', 'sessionId', 'runId', 'gitBranch', 'gitHeadSha', 'sameWorkspaceOnly'];
const TEMPLATE: JsonObject = { workspacePath: '/abs/workspace', query: 'flaky login test' };

interface Facts extends CandidateFacts {
  readonly summary: SessionSummary & { readonly runId: RunId; readonly workflowHash: WorkflowHash };
}

/**
 * The best ≤ 5 sessions to pick up, ranked by §8. Failures: VALIDATION_ERROR for malformed input,
 * TOKEN_SESSION_LOCKED when the token rows cannot be written within the wait budget.
 */
export function resumeSession(deps: AppDeps, input: ResumeSessionInput): Result<ResumeSessionOutput, AppError> {
  const invalid = checkInput(input);
  if (invalid !== null) return err(invalid);
  const workspacePath = path.resolve(input.workspacePath);
  const git = readGitFacts(workspacePath);
  const anchors: ResumeAnchors = {
    workspacePath,
    repoRootHash: git?.repoRootHash ?? null,
    branch: input.gitBranch ?? git?.branch ?? null,
    headSha: input.gitHeadSha ?? git?.headSha ?? null,
  };
  deps.sources.rememberRoot(workspacePath, deps.clock.now());

  const { top, totalEligible } = deps.store.read((reader) => {
    const candidates = gatherCandidates(reader, input.query);
    const ranking = rankCandidates(candidates, anchors, input);
    return {
      top: ranking.ranked.slice(0, RESUME_MAX_RESULTS).map((r) => ({ ranked: r, snippet: snippetOf(reader, r.facts) })),
      totalEligible: ranking.totalEligible,
    };
  });

  const now = deps.clock.now();
  const committed = deps.store.transaction(null, (tx) => {
    tx.rememberRoot(workspacePath, now);
    return top.map(({ ranked, snippet }) => {
      const { summary } = ranked.facts;
      const resumeToken = stateTokenFor(
        { tx, keyring: deps.keyring, ids: deps.ids, now },
        {
          sessionId: summary.sessionId,
          runId: summary.runId,
          nodeId: summary.preferredTipNodeId as NodeId,
          workflowHash: summary.workflowHash,
        },
      );
      return toCandidate(ranked, snippet, resumeToken, workspacePath);
    });
  });
  if (!committed.ok) return err(lockedError(committed.error));
  return ok({ candidates: committed.value, totalEligible });
}

/**
 * The 200 most recent healthy sessions with a run, with their notes. Loading the notes of these 200 directly costs
 * about a millisecond, less than a full-text query over every session, and gives §8's exact containment matching.
 */
function gatherCandidates(reader: SessionReader, query: string | undefined): Facts[] {
  const facts: Facts[] = [];
  for (const summary of reader.listRecentSessions(RESUME_CANDIDATE_POOL)) {
    const { runId, workflowId, workflowHash, preferredTipNodeId } = summary;
    if (runId === null || workflowId === null || workflowHash === null || preferredTipNodeId === null) continue;
    if (reader.checkHealth(summary.sessionId).kind !== 'healthy') continue;
    facts.push({
      summary: { ...summary, runId, workflowHash },
      sessionId: summary.sessionId,
      runId,
      workflowId,
      title: summary.title,
      notes: query === undefined ? null : notesOf(reader, summary.sessionId),
      workspacePath: summary.workspacePath,
      repoRootHash: summary.observations.repoRootHash,
      gitBranch: summary.observations.gitBranch,
      gitHeadSha: summary.observations.gitHeadSha,
      isComplete: summary.isComplete,
      lastActivityMs: summary.lastActivityMs,
    });
  }
  return facts;
}

function notesOf(reader: SessionReader, sessionId: SessionId): string {
  return reader
    .listOutputs(sessionId)
    .flatMap((o) => (o.channel === 'notes' ? [o.notesMarkdown] : []))
    .join('\n');
}

/** The most recent notes on the preferred tip's path, cut to 2 KiB. */
function snippetOf(reader: SessionReader, facts: Facts): string {
  const loaded = reader.loadSession(facts.summary.sessionId);
  if (loaded.kind !== 'ok') return '';
  const onPath = new Set<NodeId>();
  for (let id: NodeId | null = facts.summary.preferredTipNodeId; id !== null; ) {
    onPath.add(id);
    id = loaded.session.nodes.get(id)?.parentNodeId ?? null;
  }
  const notes = reader.listOutputs(facts.summary.sessionId, [...onPath]).filter((o) => o.channel === 'notes');
  const latest = notes.at(-1);
  return latest?.channel === 'notes' ? cutBytes(latest.notesMarkdown, SNIPPET_MAX_BYTES) : '';
}

function cutBytes(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  // Decoding a cut buffer may end in a replacement character for a split code point; drop it.
  return `${bytes
    .subarray(0, maxBytes - 3)
    .toString('utf8')
    .replace(/\uFFFD$/, '')}…`;
}

function toCandidate(
  ranked: RankedCandidate<Facts>,
  snippet: string,
  resumeToken: StateToken,
  workspacePath: string,
): ResumeCandidate {
  const { summary } = ranked.facts;
  return {
    sessionId: summary.sessionId,
    runId: summary.runId,
    workflowId: ranked.facts.workflowId,
    sessionTitle: summary.title,
    gitBranch: summary.observations.gitBranch,
    resumeToken,
    snippet,
    confidence: ranked.confidence,
    matchExplanation: ranked.matchExplanation,
    whyMatched: ranked.whyMatched,
    pendingStepId: summary.pendingStepId,
    isComplete: summary.isComplete,
    lastActivityMs: summary.lastActivityMs,
    nextCall: rehydrateCall(resumeToken, workspacePath),
  };
}

function checkInput(input: ResumeSessionInput): AppError | null {
  if (!isPlainObject(input))
    return validationError('Input must be an object.', TEMPLATE, [{ path: '', message: 'must be an object' }]);
  const unknown = checkKnownKeys(input, KNOWN_KEYS, TEMPLATE);
  if (unknown !== null) return unknown;
  if (input.workspacePath === undefined) return missingRequired('workspacePath', '/abs/workspace', TEMPLATE);
  const invalid = (path: string, message: string) =>
    validationError(`${path} ${message}.`, TEMPLATE, [{ path, message }]);
  if (typeof input.workspacePath !== 'string' || !path.isAbsolute(input.workspacePath)) {
    return invalid('workspacePath', 'must be an absolute path');
  }
  if (
    input.query !== undefined &&
    (typeof input.query !== 'string' || input.query.length < 1 || input.query.length > 256)
  ) {
    return invalid('query', 'must be a string of 1–256 characters');
  }
  if (input.sessionId !== undefined && !/^sess_[a-zA-Z0-9_]+$/.test(String(input.sessionId))) {
    return invalid('sessionId', 'must match ^sess_[a-zA-Z0-9_]+$');
  }
  if (input.runId !== undefined && !/^run_[a-z0-9]+$/.test(String(input.runId))) {
    return invalid('runId', 'must match ^run_[a-z0-9]+$');
  }
  if (input.gitBranch !== undefined && (typeof input.gitBranch !== 'string' || input.gitBranch.length > 256)) {
    return invalid('gitBranch', 'must be a string of at most 256 characters');
  }
  if (input.gitHeadSha !== undefined && !/^[0-9a-f]{40}$/.test(String(input.gitHeadSha))) {
    return invalid('gitHeadSha', 'must be a 40-character lower-case hex sha');
  }
  if (input.sameWorkspaceOnly !== undefined && typeof input.sameWorkspaceOnly !== 'boolean') {
    return invalid('sameWorkspaceOnly', 'must be a boolean');
  }
  return null;
}
