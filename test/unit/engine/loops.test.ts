import { describe, expect, it } from 'vitest';
import type { AdvanceInput } from '../../../src/engine/advance.js';
import type { DecisionTraceEntry, NewEvent } from '../../../src/engine/events.js';
import type { CompiledLoop, CompiledStep, JsonObject } from '../../../src/workflow/types.js';
import { Driver, walk } from './driver.js';
import { loopStep, std, workflow } from './fixtures.js';

const notes = (): AdvanceInput => ({ notes: 'done' });
const traceOf = (events: readonly NewEvent[]): DecisionTraceEntry[] =>
  events.flatMap((e) => (e.kind === 'decision_trace_appended' ? e.data.entries : []));
const exits = (driver: Driver) => traceOf(driver.events).filter((e) => e.kind === 'exited_loop');

function run(steps: readonly CompiledStep[], context: JsonObject = {}, inputFor: (id: string) => AdvanceInput = notes) {
  const driver = new Driver(workflow(steps));
  const start = driver.start(context);
  if (!start.ok) throw new Error('start failed');
  return { driver, seen: walk(driver, inputFor) };
}

const body = [std('b1'), std('b2')];
const withLoop = (loop: Partial<CompiledLoop> & Pick<CompiledLoop, 'type'>, loopBody = body) => [
  std('before'),
  loopStep('the-loop', loop, loopBody),
  std('after'),
];

describe('for loops', () => {
  it('runs the body count times and exits with count_reached', () => {
    const { driver, seen } = run(withLoop({ type: 'for', count: 2 }));
    expect(seen).toEqual(['before', 'b1', 'b2', 'b1', 'b2', 'after']);
    expect(exits(driver)).toEqual([{ kind: 'exited_loop', loopId: 'the-loop', iteration: 2, reason: 'count_reached' }]);
  });
  it('reads the count from a context variable when it is a string', () => {
    expect(run(withLoop({ type: 'for', count: 'n' }), { n: 1 }).seen).toEqual(['before', 'b1', 'b2', 'after']);
  });
  it('skips the loop when the count is zero', () => {
    expect(run(withLoop({ type: 'for', count: 'n' }), { n: 0 }).seen).toEqual(['before', 'after']);
  });
  it('blocks with MISSING_CONTEXT_KEY when the count variable is missing or not a non-negative integer', () => {
    for (const context of [{}, { n: -1 }, { n: 1.5 }, { n: '2' }] as JsonObject[]) {
      const driver = new Driver(workflow(withLoop({ type: 'for', count: 'n' })));
      driver.start(context);
      const result = driver.advance(notes());
      expect(result.ok && result.decision.outcome === 'blocked' && result.decision.blockers[0]?.pointer).toEqual({
        kind: 'context_key',
        key: 'n',
      });
    }
  });
  it('keeps the count resolved at loop entry for later iterations', () => {
    const change = (id: string): AdvanceInput => (id === 'b2' ? { notes: 'x', contextDelta: { n: 5 } } : notes());
    expect(run(withLoop({ type: 'for', count: 'n' }), { n: 1 }, change).seen).toEqual(['before', 'b1', 'b2', 'after']);
  });
  it('truncates at maxIterations, records max_iterations and warns', () => {
    const driver = new Driver(workflow(withLoop({ type: 'for', count: 5, maxIterations: 1 })));
    driver.start();
    driver.ok();
    driver.ok();
    const last = driver.advance(notes());
    expect(last.ok && last.decision.outcome === 'advanced' && last.decision.warnings).toEqual([
      expect.objectContaining({ code: 'LOOP_MAX_ITERATIONS', details: { loopId: 'the-loop' } }),
    ]);
    expect(driver.pendingId()).toBe('after');
    expect(exits(driver)).toEqual([
      { kind: 'exited_loop', loopId: 'the-loop', iteration: 1, reason: 'max_iterations' },
    ]);
  });
  it('gives each iteration its iteration variable', () => {
    const loopBody = [std('odd', { runCondition: { var: 'pass', in: [1, 3] } }), std('every')];
    const { seen } = run(withLoop({ type: 'for', count: 3, iterationVar: 'pass' }, loopBody));
    expect(seen).toEqual(['before', 'odd', 'every', 'every', 'odd', 'every', 'after']);
  });
});

describe('forEach loops', () => {
  it('runs once per item with item and index variables', () => {
    const loopBody = [
      std('only-b', { runCondition: { var: 'item.name', equals: 'b' } }),
      std('each', { runCondition: { var: 'idx', gte: 0 } }),
    ];
    const loop = { type: 'forEach' as const, items: 'things', itemVar: 'item', indexVar: 'idx' };
    const { driver, seen } = run(withLoop(loop, loopBody), { things: [{ name: 'a' }, { name: 'b' }] });
    expect(seen).toEqual(['before', 'each', 'only-b', 'each', 'after']);
    expect(exits(driver)[0]?.reason).toBe('items_exhausted');
  });
  it('re-reads the items length before each iteration', () => {
    const grow = (id: string): AdvanceInput =>
      id === 'b2' ? { notes: 'x', contextDelta: { things: [1, 2, 3] } } : notes();
    const { seen, driver } = run(withLoop({ type: 'forEach', items: 'things' }), { things: [1] }, grow);
    expect(seen).toEqual(['before', 'b1', 'b2', 'b1', 'b2', 'b1', 'b2', 'after']);
    const frames = driver.events.flatMap((e) =>
      e.kind === 'node_created' && e.data.state.kind === 'pending' && e.data.state.loop
        ? [e.data.state.loop.itemsLength]
        : [],
    );
    expect(frames).toEqual([1, 1, 3, 3, 3, 3]);
  });
  it('records the items length the iteration started with', () => {
    const driver = new Driver(workflow(withLoop({ type: 'forEach', items: 'things' })));
    driver.start({ things: ['x', 'y'] });
    driver.ok();
    expect(driver.state).toMatchObject({
      pendingStepId: 'b1',
      loop: { loopId: 'the-loop', iteration: 1, bodyIndex: 0, itemsLength: 2 },
    });
  });
  it('blocks with MISSING_CONTEXT_KEY when the items variable is missing, then accepts a retry that sends it', () => {
    const driver = new Driver(workflow(withLoop({ type: 'forEach', items: 'things' })));
    driver.start();
    const blocked = driver.advance(notes());
    expect(blocked.ok && blocked.decision.outcome === 'blocked' && blocked.decision.blockers).toEqual([
      expect.objectContaining({ code: 'MISSING_CONTEXT_KEY', pointer: { kind: 'context_key', key: 'things' } }),
    ]);
    driver.ok({ notes: 'done', contextDelta: { things: ['x'] } });
    expect(driver.pendingId()).toBe('b1');
  });
  it('blocks when the items variable is not an array', () => {
    const driver = new Driver(workflow(withLoop({ type: 'forEach', items: 'things' })));
    driver.start({ things: 'nope' });
    const result = driver.advance(notes());
    expect(result.ok && result.decision.outcome).toBe('blocked');
  });
});

describe('while and until loops', () => {
  it('runs a while loop while its context condition holds and exits with reason condition', () => {
    const stopAt = (id: string): AdvanceInput =>
      id === 'b2' ? { notes: 'x', contextDelta: { more: false } } : notes();
    const { driver, seen } = run(
      withLoop({ type: 'while', control: { kind: 'context_variable', condition: { var: 'more' } } }),
      { more: true },
      stopAt,
    );
    expect(seen).toEqual(['before', 'b1', 'b2', 'after']);
    expect(exits(driver)[0]).toEqual({ kind: 'exited_loop', loopId: 'the-loop', iteration: 1, reason: 'condition' });
  });
  it('runs a while loop zero times when its condition is already false', () => {
    const loop = { type: 'while' as const, control: { kind: 'context_variable' as const, condition: { var: 'more' } } };
    expect(run(withLoop(loop)).seen).toEqual(['before', 'after']);
  });
  it('runs an until loop until its condition becomes true, seeing the iteration variable', () => {
    const condition = { var: 'currentIteration', gt: 2 };
    const { seen } = run(withLoop({ type: 'until', control: { kind: 'context_variable', condition } }));
    expect(seen).toEqual(['before', 'b1', 'b2', 'b1', 'b2', 'after']);
  });
  it('runs an until loop zero times when its condition is already true', () => {
    const loop = { type: 'until' as const, control: { kind: 'context_variable' as const, condition: { var: 'done' } } };
    expect(run(withLoop(loop), { done: true }).seen).toEqual(['before', 'after']);
  });
  it('exits at maxIterations when the condition never changes', () => {
    const loop = {
      type: 'while' as const,
      maxIterations: 2,
      control: { kind: 'context_variable' as const, condition: { var: 'more' } },
    };
    const { driver, seen } = run(withLoop(loop), { more: true });
    expect(seen).toEqual(['before', 'b1', 'b2', 'b1', 'b2', 'after']);
    expect(exits(driver)[0]?.reason).toBe('max_iterations');
  });
  it('re-evaluates skipped body steps in the next iteration', () => {
    const loopBody = [std('late', { runCondition: { var: 'ready' } }), std('b2')];
    const ready = (id: string): AdvanceInput => (id === 'b2' ? { notes: 'x', contextDelta: { ready: true } } : notes());
    const { seen } = run(withLoop({ type: 'for', count: 2 }, loopBody), {}, ready);
    expect(seen).toEqual(['before', 'b2', 'late', 'b2', 'after']);
  });
  it('counts an iteration whose body steps are all skipped', () => {
    const loopBody = [std('never', { runCondition: { var: 'nope' } })];
    const { driver, seen } = run(withLoop({ type: 'for', count: 3 }, loopBody));
    expect(seen).toEqual(['before', 'after']);
    expect(traceOf(driver.events).filter((e) => e.kind === 'iteration_started')).toHaveLength(3);
  });
});

describe('artifact-controlled loops', () => {
  const control = { kind: 'artifact_contract' as const };
  const decideBody = [
    std('work'),
    std('decide', {
      notesRequired: false,
      outputContract: { contractRef: 'wr.contracts.loop_control', required: true },
    }),
  ];
  const decision = (stopOn: number) => {
    let decisions = 0;
    return (id: string): AdvanceInput => {
      if (id !== 'decide') return notes();
      decisions += 1;
      return { artifacts: [{ kind: 'wr.loop_control', decision: decisions >= stopOn ? 'stop' : 'continue' }] };
    };
  };
  it('continues on decision continue and exits on stop with reason stop_artifact', () => {
    const { driver, seen } = run(withLoop({ type: 'while', control }, decideBody), {}, decision(2));
    expect(seen).toEqual(['before', 'work', 'decide', 'work', 'decide', 'after']);
    expect(exits(driver)[0]).toEqual({
      kind: 'exited_loop',
      loopId: 'the-loop',
      iteration: 2,
      reason: 'stop_artifact',
    });
  });
  it('ends any loop type immediately on a stop artifact, skipping the rest of the iteration', () => {
    const stopEarly = (id: string): AdvanceInput =>
      id === 'b1'
        ? { notes: 'x', artifacts: [{ kind: 'wr.loop_control', decision: 'stop', loopId: 'the-loop' }] }
        : notes();
    expect(run(withLoop({ type: 'for', count: 5 }), {}, stopEarly).seen).toEqual(['before', 'b1', 'after']);
  });
  it('blocks the decision step when its loop_control artifact is missing', () => {
    const driver = new Driver(workflow(withLoop({ type: 'until', control }, decideBody)));
    driver.start();
    driver.ok();
    driver.ok();
    const result = driver.advance({});
    expect(result.ok && result.decision.outcome === 'blocked' && result.decision.blockers[0]?.code).toBe(
      'MISSING_REQUIRED_OUTPUT',
    );
  });
});

describe('loops at the top of the workflow', () => {
  it('can be the first step', () => {
    const driver = new Driver(workflow([loopStep('first', { type: 'for', count: 1 }, [std('inside')]), std('after')]));
    const start = driver.start();
    expect(start.ok && start.decision.state).toMatchObject({
      pendingStepId: 'inside',
      loop: { loopId: 'first', iteration: 1 },
    });
  });
  it('is skipped when its runCondition is false', () => {
    const steps = [
      std('before'),
      loopStep('skipped', { type: 'for', count: 3 }, body, { runCondition: { var: 'go' } }),
      std('after'),
    ];
    expect(run(steps).seen).toEqual(['before', 'after']);
  });
});
