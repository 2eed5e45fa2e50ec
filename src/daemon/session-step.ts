// The session's side of the step tools (docs/worktrain.md §6.3, §7.4): `complete_step` advances the workrail session
// with the token of the pending step, parks at a gate, and saves the new tokens to the sidecar after every advance.
import { randomBytes } from 'node:crypto';
import { type AppDeps, continueWorkflow, type StepResponse } from '../app/index.js';
import type { JsonObject } from '../workflow/types.js';
import type { SessionJob } from './session-job.js';
import type { SessionHooks } from './tools/session-tools.js';
import { errorResult, type ToolResult } from './tools/tool.js';

type Emit = (kind: string, data: { readonly [key: string]: unknown }) => void;

/** The continue and checkpoint tokens of the pending step, updated by every advance. */
export class StepCursor {
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

/** The hooks of complete_step, report_issue and signal_coordinator for one run of `job`. */
export function sessionHooks(
  deps: { readonly app: AppDeps; readonly now: () => number },
  job: SessionJob,
  step: StepCursor,
  emit: Emit,
): SessionHooks {
  const { session, sidecar } = job;
  const saveTokens = () => {
    sidecar.continueToken = step.continueToken;
    sidecar.checkpointToken = step.checkpointToken;
    job.save();
  };
  return {
    completeStep(input): ToolResult {
      if (job.holdsLease?.() === false) {
        return errorResult('LEASE_LOST: another daemon instance runs this session now; stop here.');
      }
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
        sidecar.gate = { gateKind: response.gateKind, stepId: response.stepId, token: response.gateToken };
        job.save();
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
        saveTokens();
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
      saveTokens();
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

/** The prompt of the pending step, with the workflow's guidance first. */
export function stepPrompt(response: StepResponse): string {
  const pending = response.pending;
  if (pending === null) return 'The workflow is complete.';
  const guidance = response.guidance?.metaGuidance ?? [];
  const preface = guidance.length > 0 ? `Workflow guidance:\n${guidance.map((g) => `- ${g}`).join('\n')}\n\n` : '';
  return `${preface}# Current step: ${pending.title}\n\n${pending.prompt}`;
}
