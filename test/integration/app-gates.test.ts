import { describe, expect, it } from 'vitest';
import { continueWorkflow } from '../../src/app/continue-workflow.js';
import { startWorkflow } from '../../src/app/start-workflow.js';
import { asStep, expectErr, expectOk, SIMPLE_WORKFLOW, testApp, workspaceWith } from './app-helpers.js';

const GATED = {
  ...SIMPLE_WORKFLOW,
  id: 'acme.gated',
  steps: [
    { id: 'draft', title: 'Draft', prompt: 'Draft it.', requireConfirmation: { kind: 'human_approval' } },
    { id: 'publish', title: 'Publish', prompt: 'Publish it.' },
  ],
};

describe('autonomous sessions (gates)', () => {
  it('parks at a gate after a confirmed step and continues where the advance would have gone', () => {
    const { app } = testApp();
    const ws = workspaceWith(GATED);
    const start = asStep(
      expectOk(
        startWorkflow(
          app,
          { workflowId: 'acme.gated', workspacePath: ws, goal: 'g', context: { is_autonomous: 'true' } },
          { allowReservedContextKeys: ['is_autonomous'] },
        ),
      ),
    );
    const gated = expectOk(continueWorkflow(app, { continueToken: start.continueToken!, notes: 'Drafted.' }));
    expect(gated).toMatchObject({ kind: 'gate_checkpoint', stepId: 'draft', gateKind: 'human_approval' });
    if (gated.kind !== 'gate_checkpoint') throw new Error('expected a gate');
    expect(gated.gateToken).toMatch(/^ct_/);

    const rehydrated = expectOk(continueWorkflow(app, { continueToken: gated.gateToken }));
    expect(rehydrated).toMatchObject({ kind: 'gate_checkpoint', stepId: 'draft' });

    const next = asStep(
      expectOk(continueWorkflow(app, { continueToken: gated.gateToken, context: { approved: true } })),
    );
    expect(next).toMatchObject({ kind: 'ok', pending: { stepId: 'publish' } });
  });

  it('asks interactive sessions for user confirmation instead of parking', () => {
    const { app } = testApp();
    const ws = workspaceWith(GATED);
    const start = asStep(expectOk(startWorkflow(app, { workflowId: 'acme.gated', workspacePath: ws, goal: 'g' })));
    expect(start.nextIntent).toBe('await_user_confirmation');
    const next = asStep(expectOk(continueWorkflow(app, { continueToken: start.continueToken!, notes: 'Drafted.' })));
    expect(next.pending?.stepId).toBe('publish');
  });

  it('keeps reserved context keys away from callers that are not trusted', () => {
    const { app } = testApp();
    const ws = workspaceWith(GATED);
    const start = asStep(expectOk(startWorkflow(app, { workflowId: 'acme.gated', workspacePath: ws, goal: 'g' })));
    const error = expectErr(
      continueWorkflow(app, { continueToken: start.continueToken!, notes: 'x', context: { is_autonomous: 'true' } }),
      'VALIDATION_ERROR',
    );
    expect(error.details).toMatchObject({ kind: 'context_reserved_key' });
  });
});

describe('runs that finish at start', () => {
  it('completes at start when no step is runnable, recording run_completed and minting no tokens', () => {
    const { app } = testApp();
    const workflow = {
      ...SIMPLE_WORKFLOW,
      id: 'acme.skipped',
      steps: [{ id: 'only', title: 'Only', prompt: 'p', runCondition: { var: 'enabled', equals: true } }],
    };
    const ws = workspaceWith(workflow);
    const done = asStep(expectOk(startWorkflow(app, { workflowId: 'acme.skipped', workspacePath: ws, goal: 'g' })));
    expect(done).toMatchObject({ isComplete: true, nextIntent: 'complete', pending: null });
    const [session] = app.store.read((r) => r.listRecentSessions(1));
    const kinds = app.store.read((r) => r.listEvents(session!.sessionId)).map((e) => e.kind);
    expect(kinds.at(-1)).toBe('run_completed');
    expect(session?.isComplete).toBe(true);
  });
});

describe('loop limits', () => {
  it('warns with LOOP_MAX_ITERATIONS when a loop stops at its limit', () => {
    const { app } = testApp();
    const workflow = {
      ...SIMPLE_WORKFLOW,
      id: 'acme.capped',
      steps: [
        {
          id: 'repeat',
          type: 'loop',
          title: 'Repeat',
          loop: { type: 'while', condition: { var: 'more', equals: true }, maxIterations: 1 },
          body: [{ id: 'again', title: 'Again', prompt: 'Again.' }],
        },
        { id: 'after', title: 'After', prompt: 'After.' },
      ],
    };
    const ws = workspaceWith(workflow);
    const start = asStep(
      expectOk(
        startWorkflow(app, { workflowId: 'acme.capped', workspacePath: ws, goal: 'g', context: { more: true } }),
      ),
    );
    const next = asStep(expectOk(continueWorkflow(app, { continueToken: start.continueToken!, notes: 'once' })));
    expect(next.pending?.stepId).toBe('after');
    expect(next.warnings).toEqual([
      expect.objectContaining({ code: 'LOOP_MAX_ITERATIONS', details: { loopId: 'repeat' } }),
    ]);
  });
});
