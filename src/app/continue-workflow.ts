// continue_workflow (docs: mcp-protocol.md §4.4, §6): advance the pending step the token names, replay an advance
// already recorded for it, or rehydrate it. Each call is ONE transaction; nothing is written after it returns.

import type { AttemptId, EventDataByKind, NewEvent } from '../engine/index.js';
import { type AdvanceDecision, type AdvanceFailure, advance, runCompletedEvent } from '../engine/index.js';
import type { RecordedAdvance, SessionHead, SessionTx } from '../store/index.js';
import type { CheckpointToken, ContinueToken, Token } from '../tokens/index.js';
import { sha256Hex } from '../workflow/canonical.js';
import type { JsonObject, JsonValue } from '../workflow/types.js';
import { bindingDrift } from './binding-drift.js';
import {
  type ContinueOptions,
  type ContinueRequest,
  type ContinueWorkflowInput,
  parseContinueInput,
} from './continue-input.js';
import type { AppDeps } from './deps.js';
import { type AppError, appError } from './errors.js';
import {
  blockedResponse,
  completeResponse,
  type ExecutionResponse,
  gateResponse,
  pendingResponse,
  type ResponseWarning,
  type StepContextView,
  withExtras,
} from './execution-response.js';
import { type GitFacts, readGitFacts } from './git-observations.js';
import { recordedInputDigest, sameInputDigest } from './input-digest.js';
import { rehydrateInTx } from './rehydrate.js';
import { err, ok, type Result } from './result.js';
import { issueAttempt, type TokenMinting } from './session-tokens.js';
import { accessToken, lockedError, type TokenAccess, verifyTokenString } from './token-access.js';

export type { ContinueOptions, ContinueWorkflowInput } from './continue-input.js';

/**
 * What an advance stores in `advance_recorded.data.response`, so a replay returns the same bytes (§6.2). The common
 * response, the next pending step with nothing added, is not stored: the replay renders it again from the new node's
 * state and context and the recorded tokens of `attemptId`, and `digest` (of the response's JSON) checks the result.
 * Any other response is stored whole.
 */
export type RecordedResponse =
  | { readonly inputDigest: string; readonly response: ExecutionResponse }
  | { readonly inputDigest: string; readonly attemptId: AttemptId; readonly digest: string };

/**
 * Advances (or rehydrates) the step named by `continueToken`. Blocked attempts are successes with `kind:
 * "blocked"`. Failures: VALIDATION_ERROR, the token errors in the order of §3, SESSION_NOT_HEALTHY,
 * PRECONDITION_FAILED (run complete, retry limit) and TOKEN_SESSION_LOCKED.
 */
export function continueWorkflow(
  deps: AppDeps,
  input: ContinueWorkflowInput,
  options: ContinueOptions = {},
): Result<ExecutionResponse, AppError> {
  const request = parseContinueInput(input, options);
  if (!request.ok) return request;
  const token = verifyTokenString(request.value.continueToken, deps.keyring);
  if (!token.ok) return token;
  if (request.value.workspacePath !== undefined) {
    deps.sources.rememberRoot(request.value.workspacePath, deps.clock.now());
  }

  // Facts from outside the store are gathered before the transaction (STYLE §5); the transaction resolves and checks
  // the token. An advance needs only the workspace (one lookup); a rehydrate reads the pinned bindings too.
  const isAdvance = request.value.intent === 'advance';
  const located = isAdvance ? deps.store.read((reader) => reader.locateToken(token.value)) : null;
  const head = isAdvance ? null : sessionHeadOf(deps, token.value);
  const git = located !== null ? readGitFacts(located.workspacePath) : null;
  const drift = head !== null ? bindingDrift(head) : [];
  const now = deps.clock.now();

  const committed = deps.store.transaction(located?.sessionId ?? head?.sessionId ?? null, (tx) => {
    if (request.value.workspacePath !== undefined) tx.rememberRoot(request.value.workspacePath, now);
    const minting: TokenMinting = { tx, keyring: deps.keyring, ids: deps.ids, now };
    if (!isAdvance) {
      const access = accessToken(tx, token.value, 'rehydrate');
      return access.ok ? rehydrateInTx(minting, access.value, drift) : access;
    }
    const access = accessToken(tx, token.value, 'advance');
    if (!access.ok) return access;
    return advanceInTx(deps, minting, access.value, request.value, git);
  });
  return committed.ok ? committed.value : err(lockedError(committed.error));
}

function sessionHeadOf(deps: AppDeps, token: Token): SessionHead | null {
  return deps.store.read((reader) => {
    const record = reader.findToken(token);
    if (record === null) return null;
    const loaded = reader.loadNode(record.sessionId, record.nodeId);
    return loaded.kind === 'ok' ? loaded.position.session : null;
  });
}

function advanceInTx(
  deps: AppDeps,
  minting: TokenMinting,
  access: TokenAccess,
  request: ContinueRequest,
  git: GitFacts | null,
): Result<ExecutionResponse, AppError> {
  const { record, node, workflow, run, session } = access;
  const attemptId = record.attemptId;
  if (attemptId === null) throw new Error(`continue token ${record.token} has no attempt`);

  const recorded = minting.tx.findAdvance(node.nodeId, attemptId);
  if (recorded !== null) return ok(replay(minting.tx, access, recorded, request.inputDigest));

  const { now } = minting;
  const result = advance(
    workflow,
    {
      nodeId: node.nodeId,
      nodeKind: node.nodeKind,
      state: node.state,
      context: access.context,
      attemptId,
      hasAdvanceSuccessor: access.hasAdvanceSuccessor,
      blockedStreak: access.blockedStreak,
    },
    {
      ...(request.notes === undefined ? {} : { notes: request.notes }),
      ...(request.artifacts === undefined ? {} : { artifacts: request.artifacts }),
      ...(request.contextDelta === undefined ? {} : { contextDelta: request.contextDelta }),
    },
    { now, newId: deps.ids.newId, isAutonomous: isAutonomous(access.context), runId: run.runId },
  );
  if (!result.ok) return err(refusal(result.failure));

  const { decision } = result;
  const target = { sessionId: session.sessionId, runId: run.runId, workflowHash: workflow.workflowHash };
  const extra: NewEvent[] = [];
  let response: ExecutionResponse;
  let rerenderable: AttemptId | null = null;
  if (decision.outcome === 'advanced' && decision.state.kind === 'complete') {
    response = completeResponse(decision.state);
    const completion = {
      finalNodeId: decision.nodeId,
      durationMs: Math.max(0, now - run.startedAtMs),
      git: completionGit(session, git, decision.context),
    };
    extra.push(runCompletedEvent({ now, runId: run.runId }, completion));
  } else {
    const tokens = issueAttempt(minting, { ...target, nodeId: decision.nodeId });
    const state = decision.state;
    if (decision.outcome === 'gated' || state.kind !== 'pending') {
      const gate = state.gate;
      if (gate === undefined) throw new Error(`advance to ${decision.nodeId} left neither a pending step nor a gate`);
      response = gateResponse(tokens.continueToken, gate.stepId, gate.gateKind);
    } else if (decision.outcome === 'blocked') {
      response = blockedResponse({
        workflow,
        state,
        context: decision.context,
        tokens,
        blockers: decision.blockers,
        retryable: decision.retryable,
        ...(decision.validation === undefined ? {} : { validation: decision.validation }),
        ...(decision.assessmentFollowup === undefined ? {} : { assessmentFollowup: decision.assessmentFollowup }),
      });
    } else {
      response = pendingResponse({ workflow, state, context: decision.context, tokens });
      rerenderable = tokens.attemptId;
    }
  }
  const warnings = decision.outcome === 'blocked' ? [] : decision.warnings;
  const stepContext = stepContextOf(decision);
  response = withExtras(response, { warnings, stepContext });
  if (warnings.length > 0 || stepContext.assessments.length > 0) rerenderable = null;

  const stored: RecordedResponse =
    rerenderable === null
      ? { inputDigest: recordedInputDigest(request.inputDigest), response }
      : {
          inputDigest: recordedInputDigest(request.inputDigest),
          attemptId: rerenderable,
          digest: responseDigest(response),
        };
  const events = result.events.map((event): NewEvent => {
    if (event.kind !== 'advance_recorded') return event;
    return { ...event, data: { ...event.data, response: stored as unknown as JsonValue } };
  });
  minting.tx.appendEvents(session.sessionId, [...events, ...extra]);
  return ok(response);
}

/** The response of an advance already recorded for this (node, attempt), byte for byte (§6.2). */
function replay(tx: SessionTx, access: TokenAccess, recorded: RecordedAdvance, inputDigest: string): ExecutionResponse {
  const stored = recorded.response as unknown as RecordedResponse | undefined;
  const response = stored === undefined ? undefined : recordedResponse(tx, access, recorded, stored);
  if (stored === undefined || response === undefined) {
    throw new Error(`advance from ${recorded.fromNodeId}/${recorded.attemptId} has no recorded response`);
  }
  if (sameInputDigest(stored.inputDigest, inputDigest)) return response;
  const warning: ResponseWarning = {
    code: 'REPLAYED_INPUT_NOT_APPLIED',
    message:
      'This token was already used to advance; the recorded response is returned again and the input of this call was not applied. Continue with the token in this response.',
  };
  return { ...response, warnings: [...(response.warnings ?? []), warning] };
}

/**
 * The stored response, or the pending step rendered again from the advance's new node and recorded tokens. Should a
 * later version render the step differently (the digest no longer matches), the step is returned as this version
 * renders it; the tokens are the recorded ones either way.
 */
function recordedResponse(
  tx: SessionTx,
  access: TokenAccess,
  recorded: RecordedAdvance,
  stored: RecordedResponse,
): ExecutionResponse | undefined {
  if ('response' in stored) return stored.response;
  const loaded = tx.loadNode(access.session.sessionId, recorded.toNodeId);
  if (loaded.kind !== 'ok' || loaded.position.node.state.kind !== 'pending') return undefined;
  const continueToken = tx.findTokenFor('continue', recorded.toNodeId, stored.attemptId);
  const checkpointToken = tx.findTokenFor('checkpoint', recorded.toNodeId, stored.attemptId);
  if (continueToken === null || checkpointToken === null) return undefined;
  return pendingResponse({
    workflow: access.workflow,
    state: loaded.position.node.state,
    context: loaded.position.context,
    tokens: {
      continueToken: continueToken as ContinueToken,
      checkpointToken: checkpointToken as CheckpointToken,
    },
  });
}

/** 64 bits of the SHA-256 of the response's JSON: enough to tell a re-rendered response from a changed one. */
export function responseDigest(response: ExecutionResponse): string {
  return sha256Hex(JSON.stringify(response)).slice(0, 16);
}

function refusal(failure: AdvanceFailure): AppError {
  if (failure.kind === 'run_complete') {
    return appError('PRECONDITION_FAILED', 'This run is already complete.', {
      reason: 'run_complete',
      suggestion: 'Report the result to the user; there is nothing left to advance.',
    });
  }
  return appError('PRECONDITION_FAILED', `The step was blocked ${failure.limit} times in a row.`, {
    reason: 'retry_limit_reached',
    limit: failure.limit,
    suggestion: 'Rehydrate the original step (intent "rehydrate") to start a fresh line of attempts, or ask the user.',
  });
}

function isAutonomous(context: JsonObject): boolean {
  return context.is_autonomous === 'true' || context.is_autonomous === true;
}

function stepContextOf(decision: AdvanceDecision): StepContextView {
  return {
    assessments: decision.assessments.map((assessment) => ({
      assessmentId: assessment.assessmentId,
      dimensions: assessment.dimensions.map(({ dimensionId, level, rationale }) => ({
        dimensionId,
        level,
        ...(rationale === undefined ? {} : { rationale }),
      })),
      normalizationNotes: decision.normalizationNotes,
    })),
  };
}

const COMMIT_SHA = /^[0-9a-f]{7,40}$/;

/** Start and end HEAD of the session's repository; the commits are those the agent reported in context. */
function completionGit(
  session: SessionHead,
  git: GitFacts | null,
  context: JsonObject,
): EventDataByKind['run_completed']['git'] {
  const startSha = session.observations.gitHeadSha;
  const endSha = git?.headSha ?? null;
  if (startSha === null && endSha === null) return null;
  const reported = context.metrics_commit_shas;
  const commitShas = Array.isArray(reported)
    ? reported.filter((sha): sha is string => typeof sha === 'string' && COMMIT_SHA.test(sha))
    : [];
  return { startSha, endSha, branch: git?.branch ?? session.observations.gitBranch, commitShas };
}
