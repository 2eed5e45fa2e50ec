import { describe, expect, it } from 'vitest';
import {
  type Called,
  CONTRACT,
  call,
  connectInMemory,
  fencedBlocks,
  LINEAR,
  testEnv,
  VERDICT,
  workspaceWith,
} from './mcp-helpers.js';

/** Every token of the response appears in the text only inside fenced JSON blocks. */
function expectTokensOnlyInFences(result: Called): void {
  const tokens = [result.data.continueToken, result.data.checkpointToken].filter((t) => typeof t === 'string');
  const { blocks, outside } = fencedBlocks(result.text);
  for (const token of tokens) {
    expect(outside).not.toContain(token);
    expect(blocks.join('\n')).toContain(token);
  }
  expect(outside).not.toMatch(/\b(ct|ck|st)_[A-Za-z0-9_-]{24}\b/);
}

async function started(workflow: Record<string, unknown> = LINEAR) {
  const { client } = await connectInMemory(testEnv());
  const ws = workspaceWith(workflow);
  const start = await call(client, 'start_workflow', {
    workflowId: workflow.id,
    workspacePath: ws,
    goal: 'ship the fix',
    context: '{"ticket": "T-1"}',
  });
  expect(start.isError).toBe(false);
  return { client, ws, start };
}

describe('start_workflow text', () => {
  it('opens with the protocol guidance, then the workflow guidance, then the first step and its next call', async () => {
    const { start } = await started();
    const text = start.text;
    const order = [
      '## How WorkRail works',
      'checkpoint_workflow',
      '## Workflow rules',
      'Keep notes short.',
      '# First step',
      'Do the first thing for ship the fix.',
      '## Next call',
    ].map((part) => text.indexOf(part));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expectTokensOnlyInFences(start);
    const continueCall = JSON.parse(fencedBlocks(text).blocks[0]!);
    expect(continueCall).toEqual({
      tool: 'continue_workflow',
      params: { continueToken: start.data.continueToken, output: { notesMarkdown: expect.any(String), artifacts: [] } },
    });
  });

  it('carries the same data as structuredContent', async () => {
    const { start } = await started();
    expect(start.data).toMatchObject({
      kind: 'ok',
      isComplete: false,
      pending: { stepId: 'first', title: 'First step' },
      nextIntent: 'perform_pending_then_continue',
      nextCall: { tool: 'continue_workflow', params: { continueToken: start.data.continueToken } },
      preferences: { autonomy: 'guided', riskPolicy: 'conservative' },
    });
    expect(start.data.continueToken).toMatch(/^ct_[A-Za-z0-9_-]{24}$/);
    expect(start.data.checkpointToken).toMatch(/^ck_[A-Za-z0-9_-]{24}$/);
  });
});

describe('continue_workflow text', () => {
  it('renders the next step without the start guidance and spells out await_user_confirmation', async () => {
    const { client, start } = await started();
    const second = await call(client, 'continue_workflow', {
      continueToken: start.data.continueToken,
      notes: 'Did the first thing.',
    });
    expect(second.text.startsWith('# Second step')).toBe(true);
    expect(second.text).not.toContain('How WorkRail works');
    const confirm = await call(client, 'continue_workflow', {
      continueToken: second.data.continueToken,
      output: { notesMarkdown: 'Did the second thing.' },
    });
    expect(confirm.data.nextIntent).toBe('await_user_confirmation');
    expect(confirm.text).toContain('only after the user agrees');
    expectTokensOnlyInFences(confirm);
  });

  it('renders a block with its blockers and the retry call, then accepts the fixed output', async () => {
    const { client, start } = await started(CONTRACT);
    const blocked = await call(client, 'continue_workflow', {
      continueToken: start.data.continueToken,
      notes: 'Reviewed.',
    });
    expect(blocked.data).toMatchObject({ kind: 'blocked', retryable: true, pending: { stepId: 'review' } });
    expect(blocked.data.retryContinueToken).toBe(blocked.data.continueToken);
    expect(blocked.text.startsWith('# Blocked: Review')).toBe(true);
    expect(blocked.text).toContain('**MISSING_REQUIRED_OUTPUT**');
    expect(blocked.text).toContain('Retry with this call');
    expectTokensOnlyInFences(blocked);

    const retried = await call(client, 'continue_workflow', {
      continueToken: blocked.data.continueToken,
      output: { notesMarkdown: 'Reviewed.', artifacts: [VERDICT] },
    });
    expect(retried.data).toMatchObject({ kind: 'ok', pending: { stepId: 'wrap-up' } });
  });

  it('renders a rehydrate as the step marked (resumed) with a reminder and the recovery context', async () => {
    const { client, start } = await started();
    const second = await call(client, 'continue_workflow', {
      continueToken: start.data.continueToken,
      notes: 'Found the cause in auth.ts.',
    });
    const again = await call(client, 'continue_workflow', { continueToken: second.data.continueToken });
    expect(again.data.nextIntent).toBe('rehydrate_only');
    expect(again.text.startsWith('# Second step (resumed)')).toBe(true);
    expect(again.text).toContain('Reminder: do only the pending step');
    expect(again.text).toContain('## Recovery context');
    expect(again.text).toContain('Found the cause in auth.ts.');
    expect(again.data.continueToken).not.toBe(second.data.continueToken);
    expectTokensOnlyInFences(again);
  });

  it('renders completion with a summary and no tokens', async () => {
    const { client, start } = await started();
    let token = start.data.continueToken;
    let last = start;
    for (const notes of ['one', 'two', 'three']) {
      last = await call(client, 'continue_workflow', { continueToken: token, notes });
      token = last.data.continueToken;
    }
    expect(last.data).toMatchObject({ isComplete: true, nextIntent: 'complete', nextCall: null, pending: null });
    expect(last.text.startsWith('# Workflow complete')).toBe(true);
    expect(last.text).toContain('Steps completed: 3.');
    expect(fencedBlocks(last.text).blocks).toEqual([]);
  });

  it('refuses a checkpoint token as continueToken with TOKEN_SCOPE_MISMATCH and a malformed one with TOKEN_INVALID_FORMAT', async () => {
    const { client, start } = await started();
    const scope = await call(client, 'continue_workflow', { continueToken: start.data.checkpointToken, notes: 'x' });
    expect(scope.data.code).toBe('TOKEN_SCOPE_MISMATCH');
    const format = await call(client, 'continue_workflow', { continueToken: 'ct_short', notes: 'x' });
    expect(format.data.code).toBe('TOKEN_INVALID_FORMAT');
  });
});

describe('checkpoint_workflow and resume_session', () => {
  it('returns the checkpoint as JSON text, and resume lists the session with its ready-made call', async () => {
    const { client, ws, start } = await started();
    const checkpoint = await call(client, 'checkpoint_workflow', { checkpointToken: start.data.checkpointToken });
    expect(checkpoint.data).toMatchObject({
      checkpointNodeId: expect.stringMatching(/^node_/),
      resumeToken: expect.stringMatching(/^st_/),
      nextCall: { tool: 'continue_workflow', params: { continueToken: start.data.continueToken } },
    });
    expect(JSON.parse(checkpoint.text)).toEqual(checkpoint.data);
    const wrongKind = await call(client, 'checkpoint_workflow', { checkpointToken: start.data.continueToken });
    expect(wrongKind.data.code).toBe('TOKEN_SCOPE_MISMATCH');

    const resumed = await call(client, 'resume_session', { workspacePath: ws, query: 'ship the fix' });
    expect(resumed.data.candidates[0]).toMatchObject({
      workflowId: 'acme.linear',
      sessionTitle: 'ship the fix',
      confidence: 'strong',
      resumeToken: checkpoint.data.resumeToken,
      nextCall: { params: { continueToken: checkpoint.data.resumeToken, intent: 'rehydrate', workspacePath: ws } },
    });
    expect(resumed.text).toContain('## 1. ship the fix');
    expect(resumed.text).not.toContain('confirm with the user');
    const { blocks, outside } = fencedBlocks(resumed.text);
    expect(outside).not.toContain(checkpoint.data.resumeToken);
    expect(JSON.parse(blocks[0]!)).toEqual(resumed.data.candidates[0].nextCall);
  });

  it('recommends confirming with the user when the best match is not strong', async () => {
    const { client, ws } = await started();
    const resumed = await call(client, 'resume_session', { workspacePath: ws, query: 'zebra' });
    expect(resumed.data.candidates[0].confidence).not.toBe('strong');
    expect(resumed.text).toContain('confirm with the user');
  });
});
