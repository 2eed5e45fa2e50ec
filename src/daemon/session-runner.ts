import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import {
  type AppDeps,
  checkpointWorkflow,
  continueWorkflow,
  type ExecutionResponse,
  type StepResponse,
  startWorkflow,
} from '../app/index.js';
import { type LoopResult, runAgentLoop } from './agent-loop.js';
import type { GitIdentity } from './delivery/commit.js';
import type { Dispatch } from './dispatch.js';
import type { EventLog } from './events.js';
import type { Logger } from './logger.js';
import { createProvider } from './providers/create-provider.js';
import type { Provider } from './providers/types.js';
import type { Redactor } from './redact.js';
import {
  type DeliveryDeps,
  deliver,
  deliversOnSuccess,
  disposeWorktree,
  prepareWorktree,
  strategyOf,
  type WorktreeOps,
} from './session-delivery.js';
import type { SessionJob } from './session-job.js';
import { StepCursor, sessionHooks, stepPrompt } from './session-step.js';
import type { DaemonSession } from './sessions.js';
import { buildSystemPrompt } from './system-prompt.js';
import { bashEnvironment, bashTool } from './tools/bash.js';
import { editTool, readTool, writeTool } from './tools/file-tools.js';
import { globTool, grepTool } from './tools/search-tools.js';
import { createSessionTools } from './tools/session-tools.js';

export interface RunnerDeps {
  readonly app: AppDeps;
  readonly events: EventLog;
  readonly redact: Redactor;
  readonly logger: Logger;
  /** The daemon's environment; Bash gets only its allowlisted part. */
  readonly env: { readonly [name: string]: string | undefined };
  readonly workrailHome: string;
  readonly now: () => number;
  readonly retryBaseMs?: number;
  /** Test seam: the provider for a session; defaults to the SDK client of its agent settings. */
  readonly providerFor?: (dispatch: Dispatch) => Provider;
  /** The delivery library (worktrees, commit, push, PR); null runs `branchStrategy: none` sessions only. */
  readonly worktrees: WorktreeOps | null;
  /** config.json `gitAuthorName`, `gitAuthorEmail`, `gitSign` (§2.2). */
  readonly gitIdentity: GitIdentity;
}

export interface SessionControl {
  /** Aborted with 'killed' or 'shutdown'. */
  readonly signal: AbortSignal;
  readonly drainSteer: () => readonly string[];
}

const DAEMON_CONTEXT_KEYS = ['is_autonomous'];
const RECOVERY_NOTE =
  'Note: the daemon restarted while you were working on this session; check `git status` first to see what is ' +
  'already done, then continue the current step.';

type Emit = (kind: string, data: { readonly [key: string]: unknown }) => void;

type Opened =
  | { readonly ok: true; readonly response: StepResponse; readonly root: string; readonly preface: string | null }
  | { readonly ok: false; readonly outcome: string; readonly detail: string | null };

export async function runSession(deps: RunnerDeps, job: SessionJob, control: SessionControl): Promise<void> {
  const { session } = job;
  const ids = { sessionId: session.sessionId, triggerId: session.triggerId };
  const log = deps.logger.child({ component: 'session', ...ids });
  const emit: Emit = (kind, data) =>
    deps.events.emit(kind, { ...ids, workrailSessionId: session.workrailSessionId, ...data });
  const delivery = deliveryDeps(deps, emit);
  const startedMs = deps.now();
  // Shared mode: another instance owns the session now; this run stops without touching its record or worktree.
  const leaseLost = () => control.signal.aborted && control.signal.reason === 'lease_lost';
  const end = async (outcome: string, detail: string | null) => {
    if (leaseLost()) {
      log.warn({ outcome }, 'run stopped: the lease went to another instance');
      return;
    }
    if (outcome !== 'success') await disposeWorktree(delivery, job, outcome, log);
    finishSession(deps, job, outcome, detail, startedMs);
    if (outcome === 'success') job.clearSidecar();
  };

  try {
    if (control.signal.aborted) {
      await end('killed', null);
      return;
    }
    if (job.mode.kind === 'deliver') {
      const wasEnded = session.endedAt !== null;
      await deliver(delivery, job, log);
      if (!wasEnded) finishSession(deps, job, 'success', null, startedMs);
      return;
    }
    if (job.mode.kind === 'resume' && strategyOf(job) !== 'none' && session.worktreePath === null) {
      // A shared-mode takeover whose worktree stayed on the dead instance's machine: resume in a new one here.
      const worktree = await prepareWorktree(delivery, job, log);
      if (!worktree.ok) {
        await end('aborted', `resume failed: ${worktree.error}`);
        return;
      }
    }
    const opened = job.mode.kind === 'start' ? await open(deps, job, log, emit) : reopen(deps, job, emit);
    if (!opened.ok) {
      await end(opened.outcome, opened.detail);
      return;
    }
    if (opened.response.isComplete || opened.response.pending === null) {
      await succeed(deps, delivery, job, log, startedMs);
      return;
    }
    const result = await drive(deps, job, control, opened, emit);
    if (result.outcome === 'interrupted') {
      interrupt(deps, job, ids);
      return;
    }
    if (result.outcome === 'parked') {
      session.state = 'parked';
      session.live = null;
      job.save();
      return;
    }
    if (result.outcome === 'success') {
      await succeed(deps, delivery, job, log, startedMs);
      return;
    }
    await end(result.outcome, result.detail);
  } catch (error) {
    log.error({ err: error }, 'session failed with an internal error');
    finishSession(
      deps,
      job,
      'error',
      `internal error: ${error instanceof Error ? error.message : String(error)}`,
      startedMs,
    );
  }
}

/** Records the outcome (§7.3) and emits `session_completed`; a `delivery_failed` session keeps that state. */
export function finishSession(
  deps: Pick<RunnerDeps, 'events' | 'redact' | 'now' | 'logger'>,
  job: Pick<SessionJob, 'session' | 'save'>,
  outcome: string,
  detail: string | null,
  startedMs: number,
): void {
  endRecord(deps, job.session, outcome, detail);
  job.save();
  announceEnd(deps, job.session, outcome, startedMs);
}

/** Sets the outcome fields of `session` (§7.3), without saving it; a `delivery_failed` session keeps that state. */
export function endRecord(
  deps: Pick<RunnerDeps, 'redact' | 'now'>,
  session: DaemonSession,
  outcome: string,
  detail: string | null,
): void {
  if (session.state !== 'delivery_failed') session.state = 'completed';
  session.outcome = outcome;
  session.detail = detail === null ? null : deps.redact(detail);
  session.endedAt = new Date(deps.now()).toISOString();
  session.live = null;
}

/** Emits `session_completed` and logs the end of a session whose outcome is saved. */
export function announceEnd(
  deps: Pick<RunnerDeps, 'events' | 'now' | 'logger'>,
  session: DaemonSession,
  outcome: string,
  startedMs: number,
): void {
  deps.events.emit('session_completed', {
    sessionId: session.sessionId,
    triggerId: session.triggerId,
    workrailSessionId: session.workrailSessionId,
    outcome,
    detail: session.detail,
    durationMs: deps.now() - startedMs,
    turns: session.turns,
    stepAdvances: session.stepAdvances,
    tokens: session.tokens,
    costUsd: null,
  });
  deps.logger.info(
    { component: 'session', sessionId: session.sessionId, outcome, detail: session.detail },
    'session completed',
  );
}

/** What the worktree and delivery steps need from the runner's deps. */
export function deliveryDeps(deps: RunnerDeps, emit: Emit): DeliveryDeps {
  return {
    worktrees: deps.worktrees,
    workrailHome: deps.workrailHome,
    env: deps.env,
    secrets: () => deps.redact.secrets(),
    gitIdentity: deps.gitIdentity,
    emit,
  };
}

/** The workflow completed: deliver when the trigger asks for it (§8.3), else end with `success`. */
async function succeed(deps: RunnerDeps, delivery: DeliveryDeps, job: SessionJob, log: Logger, startedMs: number) {
  if (deliversOnSuccess(job)) {
    job.session.outcome = 'success';
    await deliver(delivery, job, log);
    finishSession(deps, job, 'success', null, startedMs);
    return;
  }
  await disposeWorktree(delivery, job, 'success', log);
  finishSession(deps, job, 'success', null, startedMs);
  job.clearSidecar();
}

/** `preparing` (§1.3): the worktree, then the workrail session. */
async function open(deps: RunnerDeps, job: SessionJob, log: Logger, emit: Emit): Promise<Opened> {
  const { session, dispatch, sidecar } = job;
  session.state = 'preparing';
  session.startedAt = new Date(deps.now()).toISOString();
  job.save();
  const worktree = await prepareWorktree({ ...deliveryDeps(deps, emit), worktrees: deps.worktrees }, job, log);
  if (!worktree.ok) return { ok: false, outcome: 'error', detail: worktree.error };
  const started = startWorkflow(
    deps.app,
    {
      workflowId: dispatch.workflowId,
      workspacePath: dispatch.workspacePath,
      goal: dispatch.goal,
      context: dispatch.context,
    },
    { allowReservedContextKeys: DAEMON_CONTEXT_KEYS },
  );
  if (!started.ok) {
    return {
      ok: false,
      outcome: 'error',
      detail: `start_workflow failed: ${started.error.code}: ${started.error.message}`,
    };
  }
  const first = started.value;
  session.workrailSessionId = first.continueToken === undefined ? null : workrailSessionOf(deps.app, first);
  sidecar.continueToken = first.continueToken ?? null;
  sidecar.checkpointToken = first.checkpointToken ?? null;
  job.save();
  emit('session_started', {
    workflowId: dispatch.workflowId,
    workspacePath: dispatch.workspacePath,
    worktreePath: session.worktreePath,
    branch: session.branch,
    provider: dispatch.agent.provider,
    model: dispatch.agent.model,
  });
  return { ok: true, response: first, root: worktree.root, preface: null };
}

/** Crash recovery, forced resume (§7.5) or an approved gate (§7.4): rehydrate or advance with the stored token. */
function reopen(deps: RunnerDeps, job: SessionJob, emit: Emit): Opened {
  const { session, sidecar, dispatch, mode } = job;
  const root = strategyOf(job) === 'none' ? dispatch.workspacePath : session.worktreePath;
  if (root === null || !existsSync(root)) {
    return { ok: false, outcome: 'aborted', detail: 'resume failed: the worktree is gone' };
  }
  let answer: ReturnType<typeof continueWorkflow>;
  let preface: string;
  if (mode.kind === 'gate_approved') {
    if (sidecar.gate === null) return { ok: false, outcome: 'error', detail: 'resume failed: no gate token stored' };
    answer = continueWorkflow(deps.app, {
      continueToken: sidecar.gate.token,
      intent: 'advance',
      context: { gateVerdict: 'approved', gateRationale: mode.rationale },
    });
    preface = `The gate at step ${sidecar.gate.stepId} was approved. Rationale: ${mode.rationale}`;
  } else {
    if (sidecar.continueToken === null) {
      return { ok: false, outcome: 'aborted', detail: 'resume failed: no continue token stored' };
    }
    answer = continueWorkflow(deps.app, { continueToken: sidecar.continueToken, intent: 'rehydrate' });
    preface = RECOVERY_NOTE;
  }
  if (!answer.ok) {
    return { ok: false, outcome: 'error', detail: `resume failed: ${answer.error.code}: ${answer.error.message}` };
  }
  const response: ExecutionResponse = answer.value;
  if (response.kind === 'gate_checkpoint') {
    return { ok: false, outcome: 'error', detail: `resume failed: the session is at the gate of ${response.stepId}` };
  }
  sidecar.gate = null;
  sidecar.continueToken = response.continueToken ?? sidecar.continueToken;
  sidecar.checkpointToken = response.checkpointToken ?? sidecar.checkpointToken;
  if (mode.kind === 'resume') session.resumeCount += 1;
  session.state = 'running';
  session.outcome = null;
  session.detail = null;
  session.endedAt = null;
  session.startedAt ??= new Date(deps.now()).toISOString();
  job.save();
  emit('session_resumed', { reason: mode.kind === 'resume' ? mode.reason : 'gate_approved' });
  return { ok: true, response, root, preface: `${preface}${recap(response)}` };
}

function recap(response: StepResponse): string {
  const parts = response.recoveryContext?.parts ?? [];
  if (parts.length === 0) return '';
  return `\n\n## What happened so far\n${parts.map((p) => `### ${p.title}\n${p.text}`).join('\n\n')}`;
}

/** The agent loop from `opened.response`, with turns, advances and tokens added to what earlier runs counted. */
async function drive(
  deps: RunnerDeps,
  job: SessionJob,
  control: SessionControl,
  opened: Extract<Opened, { ok: true }>,
  emit: Emit,
): Promise<LoopResult> {
  const { session, dispatch } = job;
  const first = opened.response;
  const pending = first.pending;
  session.state = 'running';
  const step = new StepCursor(first);
  session.currentStepId = step.stepId;
  session.live = { activity: 'idle', toolName: null, currentStepTitle: pending?.title ?? null };
  job.save();
  const base = { turns: session.turns, stepAdvances: session.stepAdvances, tokens: { ...session.tokens } };
  const root = opened.root;
  const tmpDir = path.join(deps.workrailHome, 'tmp', session.sessionId);
  mkdirSync(tmpDir, { recursive: true });
  const hooks = sessionHooks(deps, job, step, emit);
  const firstPrompt = opened.preface === null ? stepPrompt(first) : `${opened.preface}\n\n${stepPrompt(first)}`;
  const result = await runAgentLoop({
    provider: deps.providerFor?.(dispatch) ?? createProvider(dispatch.agent),
    system: buildSystemPrompt({
      root,
      workrailHome: deps.workrailHome,
      soulFile: dispatch.soulFile,
      referenceUrls: dispatch.referenceUrls,
    }),
    firstPrompt,
    tools: [bashTool, readTool, writeTool, editTool, globTool, grepTool, ...createSessionTools(hooks)],
    toolContext: {
      root,
      rootReal: realpathSync(root),
      sessionId: session.sessionId,
      bashEnv: bashEnvironment(deps.env, { sessionId: session.sessionId, tmpDir }),
      readFiles: new Map(),
    },
    limits: {
      maxTurns: dispatch.agent.maxTurns,
      maxSessionMs: dispatch.agent.maxSessionMinutes * 60_000,
      stallTimeoutMs: dispatch.agent.stallTimeoutSeconds * 1000,
      maxOutputTokens: dispatch.agent.maxOutputTokens,
      stuckAbortPolicy: dispatch.agent.stuckAbortPolicy,
      noProgressAbort: dispatch.agent.noProgressAbort,
    },
    signal: control.signal,
    drainSteer: control.drainSteer,
    emit: (kind, data) => {
      emit(kind, data);
      if (kind === 'llm_turn_completed' && typeof data.turn === 'number') {
        session.turns = base.turns + data.turn;
        job.save();
      }
    },
    redact: deps.redact,
    now: deps.now,
    ...(deps.retryBaseMs === undefined ? {} : { retryBaseMs: deps.retryBaseMs }),
    onActivity: (activity, toolName) => {
      session.live = { activity, toolName: toolName ?? null, currentStepTitle: step.title };
    },
  });
  session.turns = base.turns + result.turns;
  session.stepAdvances = base.stepAdvances + result.stepAdvances;
  session.tokens = {
    input: base.tokens.input + result.tokens.input,
    output: base.tokens.output + result.tokens.output,
    cacheRead: base.tokens.cacheRead + result.tokens.cacheRead,
    cacheWrite: base.tokens.cacheWrite + result.tokens.cacheWrite,
  };
  job.save();
  return result;
}

/** Shutdown (§1.2): checkpoint the pending step and mark the session interrupted; it gets no outcome yet. */
function interrupt(deps: RunnerDeps, job: SessionJob, ids: { sessionId: string; triggerId: string }) {
  const { session, sidecar } = job;
  if (sidecar.checkpointToken !== null) {
    const checkpoint = checkpointWorkflow(deps.app, { checkpointToken: sidecar.checkpointToken });
    if (!checkpoint.ok) deps.logger.warn({ ...ids, code: checkpoint.error.code }, 'checkpoint at shutdown failed');
  }
  session.state = 'interrupted';
  session.live = null;
  job.save();
  deps.events.emit('session_interrupted', {
    ...ids,
    workrailSessionId: session.workrailSessionId,
    reason: 'daemon_shutdown',
  });
}

function workrailSessionOf(app: AppDeps, response: StepResponse): string | null {
  const token = response.continueToken;
  if (token === undefined) return null;
  return app.store.read((reader) => reader.findToken(token)?.sessionId ?? null);
}
