import { describe, expect, it } from 'vitest';
import { advance } from '../../../src/engine/advance.js';
import type { AttemptId, NewEvent, NodeId } from '../../../src/engine/events.js';
import { checkpointEvents, runCompletedEvent } from '../../../src/engine/records.js';
import { replayEvents } from '../../../src/engine/replay.js';
import { startRun } from '../../../src/engine/start.js';
import type { CompiledStep } from '../../../src/workflow/types.js';
import { Driver, walk } from './driver.js';
import { counterIds, loopStep, par, std, workflow } from './fixtures.js';

const linear = workflow([std('s1'), std('s2'), std('s3')]);
const kinds = (events: readonly NewEvent[]) => events.map((e) => e.kind);
const causeOf = (events: readonly NewEvent[]) => events.find((e) => e.kind === 'edge_created')?.data;

describe('startRun', () => {
  it('selects the first step, records the initial context with the goal and the root node', () => {
    const result = startRun(linear, {
      context: { goal: 'ignored', team: 'a' },
      goal: 'Ship it',
      now: 5,
      newId: counterIds(),
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.decision).toMatchObject({
      rootNodeId: 'node_1',
      state: { kind: 'pending', pendingStepId: 's1', cursor: 0, loop: null, completedCount: 0 },
      context: { team: 'a', goal: 'Ship it' },
      isComplete: false,
    });
    expect(kinds(result.events)).toEqual(['node_created', 'context_set', 'decision_trace_appended']);
    expect(result.events[0]).toMatchObject({
      nodeId: 'node_1',
      atMs: 5,
      data: { parentNodeId: null, nodeKind: 'step' },
    });
  });
  it('skips leading steps whose runCondition is false and records the skips', () => {
    const wf = workflow([std('a', { runCondition: { var: 'x' } }), std('b')]);
    const result = startRun(wf, { goal: 'g', now: 1, newId: counterIds() });
    expect(result.ok && result.decision.trace).toEqual([
      { kind: 'skipped_step', stepId: 'a', reason: 'run_condition' },
      { kind: 'selected_step', stepId: 'b' },
    ]);
  });
  it('completes immediately when nothing is runnable', () => {
    const wf = workflow([std('a', { runCondition: { var: 'x' } })]);
    const result = startRun(wf, { goal: 'g', now: 1, newId: counterIds() });
    expect(result.ok && result.decision).toMatchObject({
      isComplete: true,
      state: { kind: 'complete', completedCount: 0 },
    });
  });
  it('fails with missing_loop_input when the first loop lacks its items', () => {
    const wf = workflow([loopStep('l', { type: 'forEach', items: 'modules' }, [std('b')])]);
    expect(startRun(wf, { goal: 'g', now: 1, newId: counterIds() })).toEqual({
      ok: false,
      failure: { kind: 'missing_loop_input', loopId: 'l', key: 'modules' },
    });
  });
  it('records a condition that could not be evaluated as a skip with its reason', () => {
    const wf = workflow([std('a', { runCondition: { var: 'x', matches: '([' } }), std('b')]);
    const result = startRun(wf, { goal: 'g', now: 1, newId: counterIds() });
    expect(result.ok && result.decision.trace[0]?.reason).toMatch(/^condition_error: .*invalid regular expression/);
  });
});

describe('advance through a linear workflow', () => {
  it('visits each step in order and completes', () => {
    const driver = new Driver(linear);
    driver.start();
    expect(walk(driver, () => ({ notes: 'ok' }))).toEqual(['s1', 's2', 's3']);
    expect(driver.state).toEqual({ kind: 'complete', completedCount: 3 });
  });
  it('reports completion on the advance that finishes the run', () => {
    const driver = new Driver(workflow([std('only')]));
    driver.start();
    const result = driver.advance({ notes: 'ok' });
    expect(result.ok && result.decision.outcome === 'advanced' && result.decision.isComplete).toBe(true);
  });
  it('never revisits a skipped step even when its condition later becomes true', () => {
    const wf = workflow([std('a'), std('b', { runCondition: { var: 'later' } }), std('c'), std('d')]);
    const driver = new Driver(wf);
    driver.start();
    const seen = walk(driver, (id) => (id === 'c' ? { notes: 'x', contextDelta: { later: true } } : { notes: 'x' }));
    expect(seen).toEqual(['a', 'c', 'd']);
  });
  it('uses the context sent in this call for selecting the next step', () => {
    const wf = workflow([std('a'), std('b', { runCondition: { var: 'go' } }), std('c')]);
    const driver = new Driver(wf);
    driver.start();
    driver.ok({ notes: 'x', contextDelta: { go: true } });
    expect(driver.pendingId()).toBe('b');
  });
  it('skips a parallel step with no active delegation', () => {
    const wf = workflow([std('a'), par('p', [{ workflowId: 'x.y', runCondition: { var: 'never' } }]), std('c')]);
    const driver = new Driver(wf);
    driver.start();
    driver.ok();
    expect(driver.pendingId()).toBe('c');
  });
  it('records notes and artifacts on the completed node, the merged context and the trace on the new node', () => {
    const driver = new Driver(linear);
    driver.start({ keep: 1 });
    const from = driver.tip as NodeId;
    const result = driver.advance({
      notes: 'did s1',
      artifacts: [{ kind: 'note', v: 1 }],
      contextDelta: { keep: null, add: 2 },
    });
    if (!result.ok) throw new Error('failed');
    expect(kinds(result.events)).toEqual([
      'node_created',
      'edge_created',
      'advance_recorded',
      'output_appended',
      'output_appended',
      'context_set',
      'decision_trace_appended',
    ]);
    expect(result.events[3]).toMatchObject({ nodeId: from, data: { channel: 'notes', notesMarkdown: 'did s1' } });
    expect(result.events[4]).toMatchObject({
      nodeId: from,
      data: { channel: 'artifact', artifact: { kind: 'note', bytes: 21 } },
    });
    expect(result.decision.context).toEqual({ goal: 'Test goal', add: 2 });
    expect(result.events[5]).toMatchObject({ nodeId: result.decision.nodeId, data: { source: 'agent_delta' } });
    expect(causeOf(result.events)).toMatchObject({ edgeKind: 'advance', cause: 'advance' });
  });
  it('records no context_set when the delta is empty', () => {
    const driver = new Driver(linear);
    driver.start();
    const result = driver.advance({ notes: 'x', contextDelta: {} });
    expect(result.ok && kinds(result.events)).not.toContain('context_set');
  });
  it('refuses to advance a completed run', () => {
    const driver = new Driver(workflow([std('only')]));
    driver.start();
    driver.ok();
    expect(driver.advance({ notes: 'again' })).toEqual({ ok: false, failure: { kind: 'run_complete' } });
  });
});

describe('blocked attempts and retries', () => {
  it('records a blocked_attempt with the same state, applying neither notes nor context', () => {
    const wf = workflow([
      std('a', { outputContract: { contractRef: 'wr.contracts.gate_verdict', required: true } }),
      std('b'),
    ]);
    const driver = new Driver(wf);
    driver.start();
    const before = driver.state;
    const result = driver.advance({ notes: 'x', contextDelta: { k: 1 }, artifacts: [{ kind: 'wr.gate_verdict' }] });
    if (!result.ok || result.decision.outcome !== 'blocked') throw new Error('expected a block');
    expect(result.decision.state).toEqual(before);
    expect(result.decision.context).toEqual({ goal: 'Test goal' });
    expect(result.decision.retryable).toBe(true);
    expect(result.decision.validation?.issues.length).toBeGreaterThan(0);
    expect(kinds(result.events)).toEqual([
      'node_created',
      'edge_created',
      'advance_recorded',
      'output_appended',
      'validation_performed',
    ]);
    expect(result.events[3]?.nodeId).toBe(result.decision.nodeId);
    expect(result.events[2]).toMatchObject({ data: { outcome: 'blocked', blockers: result.decision.blockers } });
  });
  it('links a retry out of a blocked attempt with cause retry and accepts the fixed output', () => {
    const driver = new Driver(linear);
    driver.start();
    driver.advance({});
    const retry = driver.advance({ notes: 'now with notes' });
    expect(retry.ok && retry.decision.outcome).toBe('advanced');
    expect(retry.ok && causeOf(retry.events)).toMatchObject({ cause: 'retry' });
    expect(driver.pendingId()).toBe('s2');
  });
  it.each([
    [false, 10],
    [true, 3],
  ])('fails the advance after the retry limit (autonomous %s: %i blocked attempts)', (isAutonomous, limit) => {
    const driver = new Driver(linear, isAutonomous);
    driver.start();
    for (let i = 0; i < limit; i++) expect(driver.advance({}).ok).toBe(true);
    expect(driver.advance({ notes: 'x' })).toEqual({ ok: false, failure: { kind: 'retry_limit_reached', limit } });
  });
  it('returns the assessment follow-up with the blocked decision', () => {
    const assessments = [
      { id: 'risk', purpose: 'p', dimensions: [{ id: 'level', purpose: 'p', levels: ['low', 'high'] }] },
    ];
    const step = std('a', {
      assessmentRefs: ['risk'],
      assessmentConsequences: [
        { when: { anyEqualsLevel: 'high' }, effect: { kind: 'require_followup', guidance: 'Mitigate.' } },
      ],
    });
    const driver = new Driver(workflow([step, std('b')], { assessments }));
    driver.start();
    const result = driver.advance({
      notes: 'x',
      artifacts: [{ kind: 'wr.assessment', dimensions: { level: 'high' } }],
    });
    if (!result.ok || result.decision.outcome !== 'blocked') throw new Error('expected a block');
    expect(result.decision.assessmentFollowup).toEqual({ title: 'Title a', guidance: 'Mitigate.' });
    expect(result.decision.assessments).toEqual([
      { assessmentId: 'risk', dimensions: [{ dimensionId: 'level', level: 'high', normalized: false }] },
    ]);
    expect(kinds(result.events)).toContain('assessment_recorded');
  });
  it('records valid assessments with an accepted advance', () => {
    const assessments = [
      { id: 'risk', purpose: 'p', dimensions: [{ id: 'level', purpose: 'p', levels: ['low', 'high'] }] },
    ];
    const driver = new Driver(workflow([std('a', { assessmentRefs: ['risk'] }), std('b')], { assessments }));
    driver.start();
    const result = driver.advance({ notes: 'x', artifacts: [{ kind: 'wr.assessment', dimensions: { level: 'LOW' } }] });
    expect(result.ok && result.decision.outcome === 'advanced' && result.decision.normalizationNotes).toEqual([
      'risk.level: "LOW" recorded as "low"',
    ]);
  });
  it('marks a block that resubmitting cannot fix as not retryable', () => {
    const wf = workflow([std('a', { validationCriteria: { type: 'regex', pattern: '(', message: 'm' } })]);
    const driver = new Driver(wf);
    driver.start();
    const result = driver.advance({ notes: 'x' });
    expect(result.ok && result.decision.outcome === 'blocked' && result.decision.retryable).toBe(false);
  });
  it('blocks with CONTEXT_BUDGET_EXCEEDED when the merged context is too large', () => {
    const driver = new Driver(linear);
    driver.start({ big: 'x'.repeat(200 * 1024) });
    const result = driver.advance({ notes: 'x', contextDelta: { more: 'y'.repeat(100 * 1024) } });
    expect(result.ok && result.decision.outcome === 'blocked' && result.decision.blockers[0]?.code).toBe(
      'CONTEXT_BUDGET_EXCEEDED',
    );
  });
  it('blocks with STORAGE_CORRUPTION_DETECTED when the stored position is not in the workflow', () => {
    const result = advance(
      linear,
      {
        nodeId: 'node_x' as NodeId,
        nodeKind: 'step',
        state: { kind: 'pending', pendingStepId: 'gone', cursor: 0, loop: null, completedCount: 0 },
        context: {},
        attemptId: 'attempt_x' as AttemptId,
        hasAdvanceSuccessor: false,
        blockedStreak: 0,
      },
      { notes: 'x' },
      { now: 1, newId: counterIds(), isAutonomous: false },
    );
    expect(result.ok && result.decision.outcome === 'blocked' && result.decision.blockers[0]?.code).toBe(
      'STORAGE_CORRUPTION_DETECTED',
    );
  });
});

describe('forks', () => {
  it('labels a second advance from the same node a fork and traces it', () => {
    const driver = new Driver(linear);
    driver.start();
    const root = driver.tip;
    driver.ok();
    const fork = driver.advance({ notes: 'other branch', contextDelta: { branch: 2 } }, root);
    if (!fork.ok) throw new Error('failed');
    expect(causeOf(fork.events)).toMatchObject({ cause: 'fork' });
    const trace = fork.events.find((e) => e.kind === 'decision_trace_appended');
    expect(trace?.kind === 'decision_trace_appended' && trace.data.entries[0]).toMatchObject({
      kind: 'fork_detected',
      stepId: 's1',
    });
  });
});

describe('gates in autonomous sessions', () => {
  const gated: CompiledStep[] = [
    std('a'),
    std('confirm', { requireConfirmation: { kind: 'human_approval' } }),
    std('c'),
  ];

  it('parks at a gate_checkpoint after the confirmed step, then continues where the advance would have gone', () => {
    const driver = new Driver(workflow(gated), true);
    driver.start();
    driver.ok();
    const gate = driver.advance({ notes: 'confirmed step done', contextDelta: { k: 1 } });
    if (!gate.ok || gate.decision.outcome !== 'gated') throw new Error('expected a gate');
    expect(gate.decision).toMatchObject({ stepId: 'confirm', gateKind: 'human_approval', context: { k: 1 } });
    expect(gate.events[0]).toMatchObject({
      data: { nodeKind: 'gate_checkpoint', state: { pendingStepId: 'c', gate: { stepId: 'confirm' } } },
    });
    const pass = driver.advance({ contextDelta: { verdict: 'approved' } });
    if (!pass.ok || pass.decision.outcome !== 'advanced') throw new Error('expected to pass the gate');
    expect(pass.decision.state).toEqual({
      kind: 'pending',
      pendingStepId: 'c',
      cursor: 2,
      loop: null,
      completedCount: 2,
    });
    expect(pass.decision.context).toEqual({ goal: 'Test goal', k: 1, verdict: 'approved' });
    expect(causeOf(pass.events)).toMatchObject({ cause: 'gate' });
  });
  it('treats true and condition rules as coordinator_eval', () => {
    const wf = workflow([std('a', { requireConfirmation: { var: 'risky' } }), std('b')]);
    const driver = new Driver(wf, true);
    driver.start({ risky: true });
    const gate = driver.advance({ notes: 'x' });
    expect(gate.ok && gate.decision.outcome === 'gated' && gate.decision.gateKind).toBe('coordinator_eval');
  });
  it('does not gate interactive sessions', () => {
    const driver = new Driver(workflow(gated));
    driver.start();
    driver.ok();
    const result = driver.advance({ notes: 'x' });
    expect(result.ok && result.decision.outcome).toBe('advanced');
  });
  it('completes the run when the gate after the last step is passed', () => {
    const driver = new Driver(workflow([std('last', { requireConfirmation: true })]), true);
    driver.start();
    const gate = driver.advance({ notes: 'x' });
    expect(gate.ok && gate.decision.outcome).toBe('gated');
    const pass = driver.advance({});
    expect(pass.ok && pass.decision.outcome === 'advanced' && pass.decision.isComplete).toBe(true);
  });
  it('does not re-trigger the gate when a blocked advance out of it is retried', () => {
    const driver = new Driver(workflow(gated), true);
    driver.start({ big: 'x'.repeat(200 * 1024) });
    driver.ok();
    driver.ok();
    const blocked = driver.advance({ contextDelta: { more: 'y'.repeat(100 * 1024) } });
    expect(blocked.ok && blocked.decision.outcome).toBe('blocked');
    const retry = driver.advance({});
    expect(retry.ok && retry.decision.outcome).toBe('advanced');
    expect(driver.pendingId()).toBe('c');
  });
});

describe('checkpointEvents and runCompletedEvent', () => {
  it('records a checkpoint node with the same state, a checkpoint edge and the record', () => {
    const state = { kind: 'pending', pendingStepId: 's1', cursor: 0, loop: null, completedCount: 0 } as const;
    const from = { nodeId: 'node_a' as NodeId, state, attemptId: 'attempt_a' as AttemptId };
    const { checkpointNodeId, events } = checkpointEvents({
      from,
      workflowHash: 'sha256:00',
      env: { now: 1, newId: counterIds() },
    });
    expect(kinds(events)).toEqual(['node_created', 'edge_created', 'checkpoint_recorded']);
    expect(events[0]).toMatchObject({ data: { nodeKind: 'checkpoint', parentNodeId: 'node_a', state } });
    expect(events[1]).toMatchObject({
      data: { edgeKind: 'checkpoint', cause: 'checkpoint', toNodeId: checkpointNodeId },
    });
    expect(events[2]?.dedupeKey).toBe('checkpoint:node_a:attempt_a');
  });
  it('does not move the preferred tip', () => {
    const driver = new Driver(linear);
    driver.start();
    const root = driver.tip as NodeId;
    const cp = checkpointEvents({
      from: { nodeId: root, state: driver.state, attemptId: 'attempt_z' as AttemptId },
      workflowHash: 'sha256:00',
      env: { now: 9, newId: driver.newId },
    });
    expect(replayEvents([...driver.events, ...cp.events]).preferredTipNodeId).toBe(root);
  });
  it('builds run_completed for the caller', () => {
    const event = runCompletedEvent({ now: 3 }, { finalNodeId: 'node_f' as NodeId, durationMs: 10, git: null });
    expect(event).toMatchObject({ kind: 'run_completed', nodeId: 'node_f', atMs: 3, data: { git: null } });
  });
});
