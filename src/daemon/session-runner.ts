// Runs one accepted dispatch (docs/worktrain.md §7.1, §6.2): start the workrail session through the same use case
// as MCP (with the daemon-only context key `is_autonomous`), drive it with the agent loop, and record the outcome.
// This is the daemon's job boundary: anything thrown below is logged here and ends the session with `error`.
import { randomBytes } from 'node:crypto';
import { mkdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { type AppDeps, checkpointWorkflow, continueWorkflow, type StepResponse, startWorkflow } from '../app/index.js';
import type { JsonObject } from '../workflow/types.js';
import { type LoopResult, runAgentLoop } from './agent-loop.js';
import type { Dispatch } from './dispatch.js';
import type { EventLog } from './events.js';
import type { Logger } from './logger.js';
import { createProvider } from './providers/create-provider.js';
import type { Provider } from './providers/types.js';
import type { Redactor } from './redact.js';
import type { DaemonSession } from './sessions.js';
import { buildSystemPrompt } from './system-prompt.js';
import { bashEnvironment, bashTool } from './tools/bash.js';
import { editTool, readTool, writeTool } from './tools/file-tools.js';
import { globTool, grepTool } from './tools/search-tools.js';
import { createSessionTools, type SessionHooks } from './tools/session-tools.js';
import { errorResult, type ToolResult } from './tools/tool.js';

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
}

export interface SessionControl {
  /** Aborted with 'killed' or 'shutdown'. */
  readonly signal: AbortSignal;
  readonly drainSteer: () => readonly string[];
}

const DAEMON_CONTEXT_KEYS = ['is_autonomous'];

export async function runSession(
  deps: RunnerDeps,
  session: DaemonSession,
  dispatch: Dispatch,
  control: SessionControl,
): Promise<void> {
  const ids = { sessionId: session.sessionId, triggerId: session.triggerId };
  const log = deps.logger.child({ component: 'session', ...ids });
  const startedMs = deps.now();
  const finish = (outcome: string, detail: string | null, loop?: LoopResult) => {
    session.state = 'completed';
    session.outcome = outcome;
    session.detail = detail === null ? null : deps.redact(detail);
    session.endedAt = new Date(deps.now()).toISOString();
    session.live = null;
    if (loop !== undefined) {
      session.turns = loop.turns;
      session.stepAdvances = loop.stepAdvances;
      session.tokens = loop.tokens;
    }
    deps.events.emit('session_completed', {
      ...ids,
      workrailSessionId: session.workrailSessionId,
      outcome,
      detail: session.detail,
      durationMs: deps.now() - startedMs,
      turns: session.turns,
      stepAdvances: session.stepAdvances,
      tokens: session.tokens,
      costUsd: null,
    });
    log.info({ outcome, detail: session.detail }, 'session completed');
  };

  try {
    if (control.signal.aborted) {
      finish('killed', null);
      return;
    }
    session.state = 'preparing';
    session.startedAt = new Date(startedMs).toISOString();
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
      finish('error', `start_workflow failed: ${started.error.code}: ${started.error.message}`);
      return;
    }
    const first = started.value;
    const sessionIdOf = first.continueToken === undefined ? null : workrailSessionOf(deps.app, first);
    session.workrailSessionId = sessionIdOf;
    deps.events.emit('session_started', {
      ...ids,
      workrailSessionId: sessionIdOf,
      workflowId: dispatch.workflowId,
      workspacePath: dispatch.workspacePath,
      worktreePath: null,
      branch: null,
      provider: dispatch.agent.provider,
      model: dispatch.agent.model,
    });
    if (first.isComplete || first.pending === null) {
      finish('success', null);
      return;
    }
    session.state = 'running';
    const step = new StepCursor(first);
    session.currentStepId = step.stepId;
    session.live = { activity: 'idle', toolName: null, currentStepTitle: first.pending.title };

    const root = dispatch.workspacePath;
    const tmpDir = path.join(deps.workrailHome, 'tmp', session.sessionId);
    mkdirSync(tmpDir, { recursive: true });
    const hooks = sessionHooks(deps, session, step, ids);
    const result = await runAgentLoop({
      provider: deps.providerFor?.(dispatch) ?? createProvider(dispatch.agent),
      system: buildSystemPrompt({
        root,
        workrailHome: deps.workrailHome,
        soulFile: dispatch.soulFile,
        referenceUrls: dispatch.referenceUrls,
      }),
      firstPrompt: stepPrompt(first),
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
      emit: (kind, data) => deps.events.emit(kind, { ...ids, workrailSessionId: session.workrailSessionId, ...data }),
      redact: deps.redact,
      now: deps.now,
      ...(deps.retryBaseMs === undefined ? {} : { retryBaseMs: deps.retryBaseMs }),
      onActivity: (activity, toolName) => {
        session.live = { activity, toolName: toolName ?? null, currentStepTitle: step.title };
      },
    });
    session.turns = result.turns;
    session.stepAdvances = result.stepAdvances;
    session.tokens = result.tokens;
    if (result.outcome === 'interrupted') {
      interrupt(deps, session, step, ids);
      return;
    }
    if (result.outcome === 'parked') {
      session.state = 'parked';
      session.live = null;
      return;
    }
    finish(result.outcome, result.detail, result);
  } catch (error) {
    log.error({ err: error }, 'session failed with an internal error');
    finish('error', `internal error: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The continue and checkpoint tokens of the pending step, updated by every advance. */
class StepCursor {
  continueToken: string;
  checkpointToken: string | null;
  stepId: string;
  title: string;
  constructor(response: StepResponse) {
    this.continueToken = response.continueToken ?? '';
    this.checkpointToken = response.checkpointToken ?? null;
    this.stepId = response.pending?.stepId ?? '';
    this.title = response.pending?.title ?? '';
  }
  move(response: StepResponse): void {
    this.continueToken = response.retryContinueToken ?? response.continueToken ?? this.continueToken;
    this.checkpointToken = response.checkpointToken ?? this.checkpointToken;
    this.stepId = response.pending?.stepId ?? this.stepId;
    this.title = response.pending?.title ?? this.title;
  }
}

function sessionHooks(
  deps: RunnerDeps,
  session: DaemonSession,
  step: StepCursor,
  ids: { sessionId: string; triggerId: string },
): SessionHooks {
  const emit = (kind: string, data: { [key: string]: unknown }) =>
    deps.events.emit(kind, { ...ids, workrailSessionId: session.workrailSessionId, ...data });
  return {
    completeStep(input): ToolResult {
      const result = continueWorkflow(deps.app, {
        continueToken: step.continueToken,
        intent: 'advance',
        notes: input.notes,
        ...(input.artifacts === undefined ? {} : { artifacts: input.artifacts as JsonObject[] }),
        ...(input.context === undefined ? {} : { context: input.context as JsonObject }),
      });
      if (!result.ok) {
        const suggestion = result.error.details?.suggestion;
        return errorResult(
          `${result.error.code}: ${result.error.message}${typeof suggestion === 'string' ? ` ${suggestion}` : ''}`,
        );
      }
      const response = result.value;
      if (response.kind === 'gate_checkpoint') {
        step.continueToken = response.gateToken;
        emit('session_parked', { gateKind: response.gateKind, stepId: response.stepId });
        return {
          content: JSON.stringify({ status: 'parked', gateKind: response.gateKind }),
          isError: false,
          effect: { kind: 'parked', stepId: response.stepId },
        };
      }
      if (response.isComplete) {
        session.result.finalNotes = input.notes;
        session.result.artifacts = input.artifacts ?? [];
        emit('step_advanced', { fromStepId: step.stepId, toStepId: null, stepAdvances: session.stepAdvances + 1 });
        return { content: JSON.stringify({ status: 'complete' }), isError: false, effect: { kind: 'complete' } };
      }
      if (response.kind === 'blocked') {
        step.move(response);
        emit('step_blocked', { stepId: step.stepId, blockers: response.blockers ?? [] });
        const lines = (response.blockers ?? []).map(
          (b) => `- ${b.message}${b.suggestedFix === undefined ? '' : ` Fix: ${b.suggestedFix}`}`,
        );
        return errorResult(
          `The step was not accepted (retry the same step: ${response.retryable === true ? 'yes' : 'no'}):\n${lines.join('\n')}`,
        );
      }
      const from = step.stepId;
      step.move(response);
      session.stepAdvances += 1;
      session.currentStepId = step.stepId;
      emit('step_advanced', { fromStepId: from, toStepId: step.stepId, stepAdvances: session.stepAdvances });
      return {
        content: `${JSON.stringify({ status: 'advanced', nextStep: step.title })}\n\n${stepPrompt(response)}`,
        isError: false,
        effect: { kind: 'advanced', stepId: step.stepId },
      };
    },
    reportIssue(report) {
      session.result.issues.push(report);
      emit('issue_reported', { ...report });
    },
    signal(signalKind, payload) {
      const signalId = `sig_${randomBytes(4).toString('hex')}`;
      session.result.signals.push({ signalId, signalKind, payload, ts: deps.now() });
      emit('signal_emitted', { signalId, signalKind });
      return signalId;
    },
  };
}

/** Shutdown (§1.2): checkpoint the pending step and mark the session interrupted; it gets no outcome yet. */
function interrupt(
  deps: RunnerDeps,
  session: DaemonSession,
  step: StepCursor,
  ids: { sessionId: string; triggerId: string },
) {
  if (step.checkpointToken !== null) {
    const checkpoint = checkpointWorkflow(deps.app, { checkpointToken: step.checkpointToken });
    if (!checkpoint.ok) deps.logger.warn({ ...ids, code: checkpoint.error.code }, 'checkpoint at shutdown failed');
  }
  session.state = 'interrupted';
  session.live = null;
  deps.events.emit('session_interrupted', {
    ...ids,
    workrailSessionId: session.workrailSessionId,
    reason: 'daemon_shutdown',
  });
}

function stepPrompt(response: StepResponse): string {
  const pending = response.pending;
  if (pending === null) return 'The workflow is complete.';
  const guidance = response.guidance?.metaGuidance ?? [];
  const preface = guidance.length > 0 ? `Workflow guidance:\n${guidance.map((g) => `- ${g}`).join('\n')}\n\n` : '';
  return `${preface}# Current step: ${pending.title}\n\n${pending.prompt}`;
}

function workrailSessionOf(app: AppDeps, response: StepResponse): string | null {
  const token = response.continueToken;
  if (token === undefined) return null;
  return app.store.read((reader) => reader.findToken(token)?.sessionId ?? null);
}
