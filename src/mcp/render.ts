// Text for the agent (docs: mcp-protocol.md §5.5, §8 end). A pure function of the response object, so a replayed
// response renders byte-identical text. Tokens appear only inside the fenced JSON of the "Next call" section.
import type {
  ExecutionResponse,
  GateResponse,
  ResumeSessionOutput,
  StepResponse,
  WorkflowGuidance,
} from '../app/index.js';

const PROTOCOL_GUIDANCE = `## How WorkRail works
WorkRail hands you one step at a time and records each one.
1. Do only the pending step below, not later ones.
2. Then call \`continue_workflow\` with the JSON under "Next call": the token exactly as given, notes about this step only (\`output.notesMarkdown\`), any artifacts the step asks for, and in \`context\` only facts that are new or changed.
3. If the response is blocked, fix what it lists and resubmit the complete output with the new token it gives.
4. When a step asks for confirmation, show your result to the user and continue only after they agree.
5. Before risky context loss (a long task, compaction), call \`checkpoint_workflow\`; to recover later, use \`resume_session\` or call \`continue_workflow\` with only the token (rehydrate).`;

const REMINDER =
  'Reminder: do only the pending step; send `continue_workflow` with the token exactly as given, notes about this step only and only new or changed context. On a block, fix and resubmit with the new token.';

const INTENT_LINES = {
  perform_pending_then_continue: 'Do this step, then send this call (nextIntent: perform_pending_then_continue):',
  await_user_confirmation:
    'Do this step, show the result to the user and send this call only after the user agrees (nextIntent: await_user_confirmation):',
  rehydrate_only:
    'This step was fetched again, not advanced (nextIntent: rehydrate_only). Re-read it and the recovery context, do the step, then send this call with the new token:',
  complete: '',
} as const;

/** start and continue responses: start, step, blocked, rehydrate, complete and gate layouts. */
export function renderExecution(response: ExecutionResponse): string {
  if (response.kind === 'gate_checkpoint') return renderGate(response);
  const parts: string[] = [];
  if (response.guidance !== undefined) parts.push(PROTOCOL_GUIDANCE, renderGuidance(response.guidance));
  if (response.isComplete || response.pending === null) parts.push(renderComplete(response));
  else if (response.kind === 'blocked') parts.push(renderBlocked(response));
  else parts.push(renderStep(response));
  parts.push(renderWarnings(response));
  return join(parts);
}

function renderStep(response: StepResponse): string {
  const pending = response.pending!;
  const rehydrate = response.nextIntent === 'rehydrate_only';
  const parts = [`# ${pending.title}${rehydrate ? ' (resumed)' : ''}`];
  if (rehydrate) parts.push(REMINDER);
  if (pending.agentRole !== undefined) parts.push(`_Role: ${pending.agentRole}_`);
  parts.push(pending.prompt, nextCallSection(response, INTENT_LINES[response.nextIntent]));
  if (response.recoveryContext !== undefined) {
    const { parts: recovered, droppedParts } = response.recoveryContext;
    parts.push('## Recovery context');
    if (droppedParts > 0) parts.push(`_(${droppedParts} older part(s) omitted to fit the size limit.)_`);
    for (const part of recovered) parts.push(`### ${part.title}\n${part.text}`);
  }
  return join(parts);
}

function renderBlocked(response: StepResponse): string {
  const parts = [`# Blocked: ${response.pending!.title}`];
  const retryable = response.retryable !== false;
  parts.push(
    retryable
      ? 'The step was not completed. Fix the following, then resubmit the complete output (notes, artifacts, context) with the new token.'
      : 'The step cannot be completed by resubmitting. Stop and tell the user what blocked it.',
  );
  parts.push(
    (response.blockers ?? [])
      .map((b) => `- **${b.code}**: ${b.message}${b.suggestedFix === undefined ? '' : `\n  Fix: ${b.suggestedFix}`}`)
      .join('\n'),
  );
  if (response.validation !== undefined) {
    parts.push(bulletSection('Validation issues', response.validation.issues));
    parts.push(bulletSection('Suggestions', response.validation.suggestions));
  }
  if (response.assessmentFollowup !== undefined) {
    parts.push(`## Follow-up: ${response.assessmentFollowup.title}\n${response.assessmentFollowup.guidance}`);
  }
  if (retryable) parts.push(nextCallSection(response, 'Retry with this call (the complete output again):'));
  return join(parts);
}

function renderComplete(response: StepResponse): string {
  const steps = response.summary?.stepsCompleted;
  const loopExits = (response.warnings ?? []).filter((w) => w.code === 'LOOP_MAX_ITERATIONS').length;
  return join([
    '# Workflow complete',
    [
      steps === undefined ? '' : `Steps completed: ${steps}.`,
      loopExits === 0 ? '' : `Loops stopped at their iteration limit: ${loopExits}.`,
      'Report the outcome to the user. No further WorkRail calls are needed for this session.',
    ]
      .filter((line) => line !== '')
      .join('\n'),
  ]);
}

function renderGate(response: GateResponse): string {
  return join([
    `# Waiting at a gate: ${response.stepId}`,
    `The step is recorded and waits for ${response.gateKind === 'human_approval' ? 'human approval' : 'a coordinator evaluation'}. Pass the verdict in \`context\` when continuing:`,
    fence({ continueToken: response.gateToken }),
    renderWarnings(response),
  ]);
}

function renderGuidance(guidance: WorkflowGuidance): string {
  const references = guidance.references.map(
    (r) =>
      `${r.title} (${r.id})${r.authoritative ? ' [authoritative]' : ''}: ${r.purpose}` +
      (r.resolvedPath === null ? ' (not found)' : `, ${r.resolvedPath}`),
  );
  const sections = [
    bulletSection('Workflow rules', guidance.metaGuidance),
    bulletSection('Before you start, make sure', guidance.preconditions),
    bulletSection('Clarify with the user first', guidance.clarificationPrompts),
    bulletSection('References', references),
  ];
  return join(sections);
}

function nextCallSection(response: StepResponse, intentLine: string): string {
  const params = {
    continueToken: response.continueToken,
    output: { notesMarkdown: '<notes on this step>', artifacts: [] },
  };
  const parts = ['## Next call', `${intentLine}\n${fence({ tool: 'continue_workflow', params })}`];
  if (response.checkpointToken !== undefined) {
    parts.push(
      `Before risky context loss, save a resumable point:\n${fence({ tool: 'checkpoint_workflow', params: { checkpointToken: response.checkpointToken } })}`,
    );
  }
  return join(parts);
}

function renderWarnings(response: {
  readonly warnings?: readonly { code: string; message: string }[];
  readonly staleRoots?: readonly string[];
}): string {
  const lines = (response.warnings ?? []).map((w) => `${w.code}: ${w.message}`);
  for (const root of response.staleRoots ?? []) lines.push(`Missing workflow directory skipped: ${root}`);
  return bulletSection('Warnings', lines);
}

/** resume_session (§8 end): one section per candidate with its ready-made call. */
export function renderResume(output: ResumeSessionOutput): string {
  if (output.candidates.length === 0) {
    return '# No sessions to resume\nNo earlier session matched. Start a new one with `start_workflow`.';
  }
  const parts = [`# Sessions to resume (${output.candidates.length} of ${output.totalEligible})`];
  if (output.candidates[0]?.confidence !== 'strong') {
    parts.push('The best match is not certain: confirm with the user which session to resume before continuing.');
  }
  output.candidates.forEach((c, index) => {
    const facts = [
      `Workflow: ${c.workflowId}`,
      c.gitBranch === null ? '' : `Branch: ${c.gitBranch}`,
      c.isComplete ? 'Complete' : `Pending step: ${c.pendingStepId ?? 'unknown'}`,
      `Confidence: ${c.confidence} (${c.matchExplanation})`,
    ].filter((fact) => fact !== '');
    const snippet =
      c.snippet === ''
        ? ''
        : c.snippet
            .split('\n')
            .map((line) => `> ${line}`)
            .join('\n');
    parts.push(
      join([
        `## ${index + 1}. ${c.sessionTitle ?? c.sessionId}`,
        facts.map((fact) => `- ${fact}`).join('\n'),
        snippet,
        `Resume with:\n${fence(c.nextCall)}`,
      ]),
    );
  });
  return join(parts);
}

function bulletSection(title: string, items: readonly string[]): string {
  return items.length === 0 ? '' : `## ${title}\n${items.map((item) => `- ${item}`).join('\n')}`;
}

function fence(value: unknown): string {
  return `\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\``;
}

function join(parts: readonly string[]): string {
  return parts.filter((part) => part !== '').join('\n\n');
}
