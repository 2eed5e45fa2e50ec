import { describe, expect, it } from 'vitest';
import { checkpointWorkflow } from '../../src/app/checkpoint-workflow.js';
import { continueWorkflow } from '../../src/app/continue-workflow.js';
import { resumeSession } from '../../src/app/resume-session.js';
import { startWorkflow } from '../../src/app/start-workflow.js';
import { asStep, expectOk, LOOP_WORKFLOW, SIMPLE_WORKFLOW, testApp, workspaceWith, writeJson } from './app-helpers.js';

type App = ReturnType<typeof testApp>['app'];

function sessionOf(app: App, token: string) {
  return app.store.read((r) => r.findToken(token))!.sessionId;
}

function eventCount(app: App, sessionId: `sess_${string}`) {
  return app.store.read((r) => r.listEvents(sessionId)).length;
}

describe('continue_workflow: rehydrate', () => {
  it('re-presents the pending step with fresh tokens on every call and records no events', () => {
    const { app } = testApp();
    const ws = workspaceWith(LOOP_WORKFLOW);
    const start = asStep(expectOk(startWorkflow(app, { workflowId: 'acme.loop-demo', workspacePath: ws, goal: 'g' })));
    const next = asStep(
      expectOk(continueWorkflow(app, { continueToken: start.continueToken!, notes: 'Planned it all.' })),
    );
    const sessionId = sessionOf(app, start.continueToken!);
    const before = eventCount(app, sessionId);

    const first = asStep(expectOk(continueWorkflow(app, { continueToken: next.continueToken!, intent: 'rehydrate' })));
    const second = asStep(expectOk(continueWorkflow(app, { continueToken: next.continueToken! })));
    expect(eventCount(app, sessionId)).toBe(before);
    expect(first).toMatchObject({ kind: 'ok', nextIntent: 'rehydrate_only', pending: next.pending });
    const tokens = [
      next.continueToken,
      first.continueToken,
      second.continueToken,
      first.checkpointToken,
      second.checkpointToken,
    ];
    expect(new Set(tokens).size).toBe(5);

    const parts = first.recoveryContext!.parts;
    expect(parts.map((p) => p.kind)).toEqual(['notes', 'metaGuidance']);
    expect(parts[0]).toMatchObject({ title: 'Notes from "plan"', text: 'Planned it all.' });
    expect(parts[1]!.text).toBe('- Keep notes short.');
  });

  it('keeps the recovery context within 24 KiB by dropping the oldest notes first', () => {
    const { app } = testApp();
    const steps = ['one', 'two', 'three', 'four'].map((id) => ({ id: `step-${id}`, title: id, prompt: `Do ${id}.` }));
    const ws = workspaceWith({ ...SIMPLE_WORKFLOW, metaGuidance: ['Stay focused.'], steps });
    let token = asStep(expectOk(startWorkflow(app, { workflowId: 'acme.simple', workspacePath: ws, goal: 'g' })))
      .continueToken!;
    for (const marker of ['A', 'B', 'C']) {
      token = asStep(expectOk(continueWorkflow(app, { continueToken: token, notes: marker.repeat(10_000) })))
        .continueToken!;
    }
    const rehydrated = asStep(expectOk(continueWorkflow(app, { continueToken: token })));
    const recovery = rehydrated.recoveryContext!;
    expect(recovery.droppedParts).toBe(1);
    expect(recovery.parts.map((p) => p.text[0])).toEqual(['B', 'C', '-']);
    const bytes = recovery.parts.reduce((sum, p) => sum + Buffer.byteLength(p.title) + Buffer.byteLength(p.text), 0);
    expect(bytes).toBeLessThanOrEqual(24 * 1024);
  });

  it('shows the blockers of the last attempt when rehydrating a blocked attempt', () => {
    const { app } = testApp();
    const ws = workspaceWith(SIMPLE_WORKFLOW);
    const start = asStep(expectOk(startWorkflow(app, { workflowId: 'acme.simple', workspacePath: ws, goal: 'g' })));
    const blocked = asStep(expectOk(continueWorkflow(app, { continueToken: start.continueToken!, intent: 'advance' })));
    const again = asStep(
      expectOk(continueWorkflow(app, { continueToken: blocked.continueToken!, intent: 'rehydrate' })),
    );
    expect(again.pending?.stepId).toBe('first');
    const blockers = again.recoveryContext?.parts.find((p) => p.kind === 'blockers');
    expect(blockers?.text).toContain('MISSING_REQUIRED_NOTES');
  });

  it('answers a rehydrate of a finished run with isComplete, nextIntent complete and no tokens', () => {
    const { app } = testApp();
    const ws = workspaceWith(SIMPLE_WORKFLOW);
    const start = asStep(expectOk(startWorkflow(app, { workflowId: 'acme.simple', workspacePath: ws, goal: 'g' })));
    const second = asStep(expectOk(continueWorkflow(app, { continueToken: start.continueToken!, notes: 'one' })));
    expectOk(continueWorkflow(app, { continueToken: second.continueToken!, notes: 'two' }));
    const [candidate] = expectOk(resumeSession(app, { workspacePath: ws })).candidates;
    expect(candidate?.isComplete).toBe(true);
    const done = asStep(expectOk(continueWorkflow(app, candidate!.nextCall.params)));
    expect(done).toMatchObject({ kind: 'ok', isComplete: true, pending: null, nextIntent: 'complete', nextCall: null });
    expect(done.continueToken).toBeUndefined();
    expect(done.checkpointToken).toBeUndefined();
  });

  it('reports BINDING_DRIFT when the bindings file changed since start, keeping the pinned value', () => {
    const { app } = testApp();
    const workflow = {
      ...SIMPLE_WORKFLOW,
      id: 'acme.bound',
      extensionPoints: [{ slotId: 'reviewer', purpose: 'Who reviews', default: 'default-reviewer' }],
      steps: [{ id: 'first', title: 'First', prompt: 'Ask {{wr.bindings.reviewer}}.' }],
    };
    const ws = workspaceWith(workflow);
    writeJson(ws, '.workrail/bindings.json', { reviewer: 'alice' });
    const start = asStep(expectOk(startWorkflow(app, { workflowId: 'acme.bound', workspacePath: ws, goal: 'g' })));
    writeJson(ws, '.workrail/bindings.json', { reviewer: 'bob' });
    const rehydrated = asStep(expectOk(continueWorkflow(app, { continueToken: start.continueToken! })));
    expect(rehydrated.pending?.prompt).toContain('Ask alice.');
    expect(rehydrated.warnings).toEqual([
      expect.objectContaining({
        code: 'BINDING_DRIFT',
        details: { slotId: 'reviewer', pinnedValue: 'alice', currentValue: 'bob' },
      }),
    ]);
    expect(rehydrated.recoveryContext?.parts.at(-1)?.kind).toBe('bindingDrift');
  });
});

describe('continue_workflow: forks', () => {
  it('creates a branch with edge cause fork when advancing from a rehydrated token of an advanced node', () => {
    const { app } = testApp();
    const workflow = {
      ...SIMPLE_WORKFLOW,
      steps: [
        { id: 'first', title: 'First', prompt: 'First.' },
        { id: 'second', title: 'Second', prompt: 'Choice {{choice}}.' },
      ],
    };
    const ws = workspaceWith(workflow);
    const start = asStep(expectOk(startWorkflow(app, { workflowId: 'acme.simple', workspacePath: ws, goal: 'g' })));
    const branchA = asStep(
      expectOk(continueWorkflow(app, { continueToken: start.continueToken!, notes: 'a', context: { choice: 'A' } })),
    );
    const rehydrated = asStep(
      expectOk(continueWorkflow(app, { continueToken: start.continueToken!, intent: 'rehydrate' })),
    );
    expect(rehydrated.recoveryContext?.parts.map((p) => p.kind)).toContain('fork');
    const branchB = asStep(
      expectOk(
        continueWorkflow(app, { continueToken: rehydrated.continueToken!, notes: 'b', context: { choice: 'B' } }),
      ),
    );
    expect(branchA.pending?.prompt.startsWith('Choice A.')).toBe(true);
    expect(branchB.pending?.prompt.startsWith('Choice B.')).toBe(true);

    const sessionId = sessionOf(app, start.continueToken!);
    const loaded = app.store.read((r) => r.loadSession(sessionId));
    if (loaded.kind !== 'ok') throw new Error('session not loaded');
    expect(loaded.session.edges.map((e) => e.cause)).toEqual(['advance', 'fork']);
    // Both branches stay usable, and the newest is the preferred tip.
    expect(loaded.session.run?.preferredTipNodeId).toBe(
      app.store.read((r) => r.findToken(branchB.continueToken!))!.nodeId,
    );
    expect(
      asStep(expectOk(continueWorkflow(app, { continueToken: branchA.continueToken!, notes: 'done A' }))).isComplete,
    ).toBe(true);
  });
});

describe('checkpoint_workflow', () => {
  it('records one checkpoint per (node, attempt) and returns the identical response when repeated', () => {
    const { app } = testApp();
    const ws = workspaceWith(SIMPLE_WORKFLOW);
    const start = asStep(expectOk(startWorkflow(app, { workflowId: 'acme.simple', workspacePath: ws, goal: 'g' })));
    const sessionId = sessionOf(app, start.continueToken!);
    const first = expectOk(checkpointWorkflow(app, { checkpointToken: start.checkpointToken! }));
    const afterFirst = eventCount(app, sessionId);
    const second = expectOk(checkpointWorkflow(app, { checkpointToken: start.checkpointToken! }));
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    expect(eventCount(app, sessionId)).toBe(afterFirst);
    expect(first.checkpointNodeId).toMatch(/^node_/);
    expect(first.resumeToken).toMatch(/^st_[A-Za-z0-9_-]{24}$/);
    expect(first.nextCall).toEqual({ tool: 'continue_workflow', params: { continueToken: start.continueToken } });
    const kinds = app.store
      .read((r) => r.listEvents(sessionId))
      .map((e) => e.kind)
      .slice(-3);
    expect(kinds).toEqual(['node_created', 'edge_created', 'checkpoint_recorded']);
  });

  it('does not move the tip, and the original ct_ still advances afterwards', () => {
    const { app } = testApp();
    const ws = workspaceWith(SIMPLE_WORKFLOW);
    const start = asStep(expectOk(startWorkflow(app, { workflowId: 'acme.simple', workspacePath: ws, goal: 'g' })));
    const checkpoint = expectOk(checkpointWorkflow(app, { checkpointToken: start.checkpointToken! }));
    const next = asStep(expectOk(continueWorkflow(app, { continueToken: start.continueToken!, notes: 'one' })));
    expect(next.pending?.stepId).toBe('second');
    const loaded = app.store.read((r) => r.loadSession(sessionOf(app, start.continueToken!)));
    if (loaded.kind !== 'ok') throw new Error('not loaded');
    expect(loaded.session.edges.map((e) => e.cause)).toEqual(['checkpoint', 'advance']);
    // The st_ rehydrates the checkpointed position even though the run moved on.
    const back = asStep(expectOk(continueWorkflow(app, { continueToken: checkpoint.resumeToken })));
    expect(back.pending?.stepId).toBe('first');
  });

  it('gives another attempt its own checkpoint but the same st_ for the same node', () => {
    const { app } = testApp();
    const ws = workspaceWith(SIMPLE_WORKFLOW);
    const start = asStep(expectOk(startWorkflow(app, { workflowId: 'acme.simple', workspacePath: ws, goal: 'g' })));
    const rehydrated = asStep(expectOk(continueWorkflow(app, { continueToken: start.continueToken! })));
    const a = expectOk(checkpointWorkflow(app, { checkpointToken: start.checkpointToken! }));
    const b = expectOk(checkpointWorkflow(app, { checkpointToken: rehydrated.checkpointToken! }));
    expect(b.checkpointNodeId).not.toBe(a.checkpointNodeId);
    expect(b.resumeToken).toBe(a.resumeToken);
    expect(b.nextCall.params.continueToken).toBe(rehydrated.continueToken);
  });
});
