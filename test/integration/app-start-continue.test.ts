import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { continueWorkflow } from '../../src/app/continue-workflow.js';
import { startWorkflow } from '../../src/app/start-workflow.js';
import { EVENT_KINDS } from '../../src/engine/events.js';
import { dataPath, packJson } from '../../src/store/sqlite/data-dictionary.js';
import { canonicalJson, sha256Hex } from '../../src/workflow/canonical.js';
import {
  asStep,
  expectErr,
  expectOk,
  LOOP_WORKFLOW,
  SIMPLE_WORKFLOW,
  testApp,
  workspaceWith,
  writeJson,
} from './app-helpers.js';

function eventsOf(app: ReturnType<typeof testApp>['app'], sessionId: string) {
  return app.store.read((r) => r.listEvents(sessionId as `sess_${string}`));
}

function sessionIdOf(app: ReturnType<typeof testApp>['app'], token: string) {
  const record = app.store.read((r) => r.findToken(token));
  if (record === null) throw new Error('token not stored');
  return record.sessionId;
}

describe('start_workflow', () => {
  it('creates a session and returns the first step with a ct_/ck_ pair, rendered with the goal', () => {
    const { app } = testApp();
    const ws = workspaceWith(LOOP_WORKFLOW);
    const response = asStep(
      expectOk(startWorkflow(app, { workflowId: 'acme.loop-demo', workspacePath: ws, goal: 'ship the parser' })),
    );
    expect(response).toMatchObject({
      kind: 'ok',
      isComplete: false,
      pending: { stepId: 'plan', title: 'Plan for ship the parser' },
      preferences: { autonomy: 'guided', riskPolicy: 'conservative' },
      nextIntent: 'perform_pending_then_continue',
      guidance: { metaGuidance: ['Keep notes short.'], preconditions: [], clarificationPrompts: [], references: [] },
    });
    expect(response.pending?.prompt).toContain('Plan the work for ship the parser.');
    expect(response.continueToken).toMatch(/^ct_[A-Za-z0-9_-]{24}$/);
    expect(response.checkpointToken).toMatch(/^ck_[A-Za-z0-9_-]{24}$/);
    expect(response.nextCall).toEqual({ tool: 'continue_workflow', params: { continueToken: response.continueToken } });

    const sessionId = sessionIdOf(app, response.continueToken!);
    const kinds = eventsOf(app, sessionId).map((e) => e.kind);
    expect(kinds.slice(0, 2)).toEqual(['session_created', 'run_started']);
    expect(kinds).toContain('node_created');
    expect(kinds).toContain('context_set');
    expect(app.store.read((r) => r.listRoots()).map((root) => root.path)).toContain(ws);
  });

  it('answers NOT_FOUND with similar ids for an unknown workflow', () => {
    const { app } = testApp();
    const ws = workspaceWith(LOOP_WORKFLOW);
    const error = expectErr(
      startWorkflow(app, { workflowId: 'acme.loop-dem', workspacePath: ws, goal: 'x' }),
      'NOT_FOUND',
    );
    expect(error.details?.similarIds).toContain('acme.loop-demo');
  });

  it('fails with PRECONDITION_FAILED and creates nothing when the first loop lacks its input', () => {
    const { app } = testApp();
    const workflow = {
      ...SIMPLE_WORKFLOW,
      id: 'acme.items-first',
      steps: [
        {
          id: 'each',
          type: 'loop',
          title: 'Each',
          loop: { type: 'forEach', items: 'modules', maxIterations: 10 },
          body: [{ id: 'do-it', title: 'Do', prompt: 'Do {{currentItem}}.' }],
        },
      ],
    };
    const ws = workspaceWith(workflow);
    const error = expectErr(
      startWorkflow(app, { workflowId: 'acme.items-first', workspacePath: ws, goal: 'go' }),
      'PRECONDITION_FAILED',
    );
    expect(error.details).toMatchObject({ loopId: 'each', key: 'modules' });
    expect(app.store.read((r) => r.listRecentSessions(10))).toEqual([]);

    const started = asStep(
      expectOk(
        startWorkflow(app, {
          workflowId: 'acme.items-first',
          workspacePath: ws,
          goal: 'go',
          context: { modules: ['a', 'b'] },
        }),
      ),
    );
    expect(started.pending?.prompt).toContain('Do a.');
  });

  it('rejects a reserved context key with VALIDATION_ERROR naming the rule', () => {
    const { app } = testApp();
    const ws = workspaceWith(SIMPLE_WORKFLOW);
    const error = expectErr(
      startWorkflow(app, {
        workflowId: 'acme.simple',
        workspacePath: ws,
        goal: 'g',
        context: { is_autonomous: 'true' },
      }),
      'VALIDATION_ERROR',
    );
    expect(error.details).toMatchObject({ kind: 'context_reserved_key', key: 'is_autonomous' });
  });

  it('parses a context sent as JSON text', () => {
    const { app } = testApp();
    const ws = workspaceWith({
      ...SIMPLE_WORKFLOW,
      steps: [{ id: 'first', title: 'T', prompt: 'Ticket {{ticket}}.' }],
    });
    const started = asStep(
      expectOk(
        startWorkflow(app, { workflowId: 'acme.simple', workspacePath: ws, goal: 'g', context: '{"ticket":"AB-1"}' }),
      ),
    );
    expect(started.pending?.prompt).toBe(
      'Ticket AB-1.\n\n' + started.pending?.prompt.split('\n\n').slice(1).join('\n\n'),
    );
    expect(started.pending?.prompt.startsWith('Ticket AB-1.')).toBe(true);
  });

  it('answers PRECONDITION_FAILED with the issues when the only copy of the workflow is invalid', () => {
    const { app } = testApp();
    const ws = workspaceWith({ ...SIMPLE_WORKFLOW, steps: [{ id: 'x', title: 'Bad id', prompt: 'p' }] });
    const error = expectErr(
      startWorkflow(app, { workflowId: 'acme.simple', workspacePath: ws, goal: 'g' }),
      'PRECONDITION_FAILED',
    );
    expect(error.details?.issues).toEqual([expect.objectContaining({ path: '/steps/0/id', rule: 'step-id-format' })]);
  });

  it('applies bindings from the workspace and warns about a malformed bindings file', () => {
    const { app } = testApp();
    const workflow = {
      ...SIMPLE_WORKFLOW,
      id: 'acme.bound',
      extensionPoints: [{ slotId: 'reviewer', purpose: 'Who reviews', default: 'default-reviewer' }],
      steps: [{ id: 'first', title: 'First', prompt: 'Ask {{wr.bindings.reviewer}}.' }],
    };
    const ws = workspaceWith(workflow);
    writeJson(ws, '.workrail/bindings.json', { 'acme.bound': { reviewer: 'security-team' } });
    const bound = asStep(expectOk(startWorkflow(app, { workflowId: 'acme.bound', workspacePath: ws, goal: 'g' })));
    expect(bound.pending?.prompt).toContain('Ask security-team.');

    writeJson(ws, '.workrail/bindings.json', '{ not json');
    const fallback = asStep(expectOk(startWorkflow(app, { workflowId: 'acme.bound', workspacePath: ws, goal: 'g' })));
    expect(fallback.pending?.prompt).toContain('Ask default-reviewer.');
    expect(fallback.warnings?.map((w) => w.code)).toContain('BINDINGS_FILE_INVALID');
  });

  it('resolves references against the workspace and warns about missing or escaping ones', () => {
    const { app } = testApp();
    const workflow = {
      ...SIMPLE_WORKFLOW,
      id: 'acme.refs',
      references: [
        { id: 'guide', title: 'Guide', source: 'docs/guide.md', purpose: 'How we work', authoritative: true },
        { id: 'missing', title: 'Missing', source: 'docs/none.md', purpose: 'Gone', authoritative: false },
        { id: 'escape', title: 'Escape', source: '../outside.md', purpose: 'Out', authoritative: false },
      ],
    };
    const ws = workspaceWith(workflow);
    writeJson(ws, 'docs/guide.md', '# Guide');
    const started = asStep(expectOk(startWorkflow(app, { workflowId: 'acme.refs', workspacePath: ws, goal: 'g' })));
    expect(started.guidance?.references).toEqual([
      { id: 'guide', title: 'Guide', purpose: 'How we work', authoritative: true, resolvedPath: `${ws}/docs/guide.md` },
      { id: 'missing', title: 'Missing', purpose: 'Gone', authoritative: false, resolvedPath: null },
      { id: 'escape', title: 'Escape', purpose: 'Out', authoritative: false, resolvedPath: null },
    ]);
    expect(started.warnings?.filter((w) => w.code === 'REFERENCE_UNRESOLVED')).toHaveLength(2);
  });
});

describe('continue_workflow: advancing', () => {
  it('walks a workflow with a loop to completion, asking for confirmation where the step requires it', () => {
    const { app, tick } = testApp();
    const ws = workspaceWith(LOOP_WORKFLOW);
    let response = asStep(expectOk(startWorkflow(app, { workflowId: 'acme.loop-demo', workspacePath: ws, goal: 'g' })));
    const seen: string[] = [];
    while (!response.isComplete) {
      seen.push(response.pending!.title);
      tick();
      response = asStep(
        expectOk(
          continueWorkflow(app, { continueToken: response.continueToken!, notes: `Did ${response.pending!.stepId}.` }),
        ),
      );
      if (response.pending?.stepId === 'summary') expect(response.nextIntent).toBe('await_user_confirmation');
    }
    expect(seen).toEqual(['Plan for g', 'Implement pass 1', 'Verify', 'Implement pass 2', 'Verify', 'Summary']);
    expect(response).toMatchObject({
      kind: 'ok',
      isComplete: true,
      pending: null,
      nextIntent: 'complete',
      nextCall: null,
    });
    expect(response.continueToken).toBeUndefined();
    expect(response.summary).toEqual({ stepsCompleted: 6 });
  });

  it('blocks an advance without the required notes, then accepts the retry with the new token', () => {
    const { app } = testApp();
    const ws = workspaceWith(SIMPLE_WORKFLOW);
    const start = asStep(expectOk(startWorkflow(app, { workflowId: 'acme.simple', workspacePath: ws, goal: 'g' })));
    const blocked = asStep(expectOk(continueWorkflow(app, { continueToken: start.continueToken!, intent: 'advance' })));
    expect(blocked).toMatchObject({
      kind: 'blocked',
      pending: { stepId: 'first' },
      retryable: true,
      nextIntent: 'perform_pending_then_continue',
      blockers: [{ code: 'MISSING_REQUIRED_NOTES', pointer: { kind: 'workflow_step', stepId: 'first' } }],
    });
    expect(blocked.continueToken).not.toBe(start.continueToken);
    expect(blocked.retryContinueToken).toBe(blocked.continueToken);

    const next = asStep(
      expectOk(continueWorkflow(app, { continueToken: blocked.continueToken!, output: { notesMarkdown: 'Done.' } })),
    );
    expect(next).toMatchObject({ kind: 'ok', pending: { stepId: 'second' } });
    const metrics = app.store.read((r) => r.sessionMetrics(sessionIdOf(app, start.continueToken!)));
    expect(metrics).toMatchObject({ stepsAdvanced: 1, blockedAttempts: 1 });
  });

  it('refuses the advance after ten consecutive blocked attempts with PRECONDITION_FAILED', () => {
    const { app } = testApp();
    const ws = workspaceWith(SIMPLE_WORKFLOW);
    let token = asStep(expectOk(startWorkflow(app, { workflowId: 'acme.simple', workspacePath: ws, goal: 'g' })))
      .continueToken!;
    for (let i = 0; i < 10; i++) {
      const blocked = asStep(expectOk(continueWorkflow(app, { continueToken: token, intent: 'advance' })));
      expect(blocked.kind).toBe('blocked');
      token = blocked.continueToken!;
    }
    const error = expectErr(
      continueWorkflow(app, { continueToken: token, notes: 'now with notes' }),
      'PRECONDITION_FAILED',
    );
    expect(error.details).toMatchObject({ reason: 'retry_limit_reached', limit: 10 });
  });

  it('merges context deltas and renders later steps with them; null deletes a key', () => {
    const { app } = testApp();
    const workflow = {
      ...SIMPLE_WORKFLOW,
      steps: [
        { id: 'first', title: 'First', prompt: 'First.' },
        { id: 'second', title: 'Second', prompt: 'Ticket {{ticket}}, owner {{owner}}.' },
      ],
    };
    const ws = workspaceWith(workflow);
    const start = asStep(
      expectOk(
        startWorkflow(app, { workflowId: 'acme.simple', workspacePath: ws, goal: 'g', context: { owner: 'ada' } }),
      ),
    );
    const next = asStep(
      expectOk(
        continueWorkflow(app, {
          continueToken: start.continueToken!,
          notes: 'ok',
          contextVariables: { ticket: 'T-9', owner: null },
        }),
      ),
    );
    expect(next.pending?.prompt.startsWith('Ticket T-9, owner [unset: owner].')).toBe(true);
  });
});

describe('continue_workflow: replay', () => {
  it('returns the recorded response byte-identical when a token is used again with the same input', () => {
    const { app, tick } = testApp();
    const ws = workspaceWith(SIMPLE_WORKFLOW);
    const start = asStep(expectOk(startWorkflow(app, { workflowId: 'acme.simple', workspacePath: ws, goal: 'g' })));
    const input = { continueToken: start.continueToken!, notes: 'First done.', context: { a: 1 } };
    const first = expectOk(continueWorkflow(app, input));
    const sessionId = sessionIdOf(app, start.continueToken!);
    const eventCount = eventsOf(app, sessionId).length;
    tick(60_000);
    const again = expectOk(continueWorkflow(app, input));
    expect(JSON.stringify(again)).toBe(JSON.stringify(first));
    expect(eventsOf(app, sessionId)).toHaveLength(eventCount);
  });

  it('replays byte-identical from another process sharing the store', () => {
    const first = testApp();
    const ws = workspaceWith(SIMPLE_WORKFLOW);
    const start = asStep(
      expectOk(startWorkflow(first.app, { workflowId: 'acme.simple', workspacePath: ws, goal: 'g' })),
    );
    const input = {
      continueToken: start.continueToken!,
      output: { notesMarkdown: 'Done.', artifacts: [{ kind: 'note', n: 1 }] },
    };
    const original = expectOk(continueWorkflow(first.app, input));
    const second = testApp({ home: first.home });
    expect(JSON.stringify(expectOk(continueWorkflow(second.app, input)))).toBe(JSON.stringify(original));
  });

  it('replays blocked outcomes the same way', () => {
    const { app } = testApp();
    const ws = workspaceWith(SIMPLE_WORKFLOW);
    const start = asStep(expectOk(startWorkflow(app, { workflowId: 'acme.simple', workspacePath: ws, goal: 'g' })));
    const first = expectOk(continueWorkflow(app, { continueToken: start.continueToken!, intent: 'advance' }));
    const again = expectOk(continueWorkflow(app, { continueToken: start.continueToken!, intent: 'advance' }));
    expect(JSON.stringify(again)).toBe(JSON.stringify(first));
  });

  it('adds a warning that the new input was not applied when a replayed call carries different input', () => {
    const { app } = testApp();
    const ws = workspaceWith(SIMPLE_WORKFLOW);
    const start = asStep(expectOk(startWorkflow(app, { workflowId: 'acme.simple', workspacePath: ws, goal: 'g' })));
    const first = asStep(expectOk(continueWorkflow(app, { continueToken: start.continueToken!, notes: 'one' })));
    const other = asStep(expectOk(continueWorkflow(app, { continueToken: start.continueToken!, notes: 'two' })));
    const { warnings, ...rest } = other;
    expect(JSON.stringify(rest)).toBe(JSON.stringify(first));
    expect(warnings?.map((w) => w.code)).toEqual(['REPLAYED_INPUT_NOT_APPLIED']);
  });

  it('records 128 bits of the input digest, and still compares an advance recorded with all 256 bits', () => {
    const { app, home } = testApp();
    const ws = workspaceWith(SIMPLE_WORKFLOW);
    const start = asStep(expectOk(startWorkflow(app, { workflowId: 'acme.simple', workspacePath: ws, goal: 'g' })));
    const first = asStep(expectOk(continueWorkflow(app, { continueToken: start.continueToken!, notes: 'one' })));
    const full = sha256Hex(canonicalJson({ notes: 'one', artifacts: null, context: null }));
    const sessionId = sessionIdOf(app, start.continueToken!);
    const recorded = () => {
      const advance = eventsOf(app, sessionId).find((e) => e.kind === 'advance_recorded')!;
      return (advance.data.response as unknown as { inputDigest: string }).inputDigest;
    };
    expect(recorded()).toBe(full.slice(0, 32));

    // An advance recorded before digests were cut to 128 bits.
    const db = new Database(path.join(home, 'data', 'workrail.db'));
    db.prepare(`UPDATE events SET data = json_set(data, ?, ?) WHERE kind = ?`).run(
      dataPath('response', 'inputDigest'),
      packJson(full),
      EVENT_KINDS.indexOf('advance_recorded'),
    );
    db.close();
    expect(recorded()).toBe(full);
    const same = expectOk(continueWorkflow(app, { continueToken: start.continueToken!, notes: 'one' }));
    expect(JSON.stringify(same)).toBe(JSON.stringify(first));
    const other = asStep(expectOk(continueWorkflow(app, { continueToken: start.continueToken!, notes: 'two' })));
    expect(other.warnings?.map((w) => w.code)).toEqual(['REPLAYED_INPUT_NOT_APPLIED']);
  });
});
