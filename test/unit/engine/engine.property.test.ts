import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finalizeBlockers } from '../../../src/engine/blockers.js';
import type { NodeId } from '../../../src/engine/events.js';
import { replayEvents } from '../../../src/engine/replay.js';
import type { EngineState } from '../../../src/engine/state.js';
import { pendingStepOf } from '../../../src/engine/steps.js';
import type { CompiledWorkflow, JsonObject } from '../../../src/workflow/types.js';
import { agentInput, compiledWorkflow, contextDelta } from './arbitraries.js';
import { Driver } from './driver.js';

function assertValidState(wf: CompiledWorkflow, state: EngineState): void {
  if (state.kind === 'complete') return;
  expect(pendingStepOf(wf, state)).not.toBeNull();
  if (state.loop !== null) {
    const loop = wf.steps[state.cursor];
    expect(loop?.kind).toBe('loop');
    if (loop?.kind === 'loop') {
      expect(state.loop.iteration).toBeGreaterThanOrEqual(1);
      expect(state.loop.iteration).toBeLessThanOrEqual(loop.loop.maxIterations);
    }
  }
}

function assertReplayMatches(driver: Driver): void {
  const projection = replayEvents(driver.events);
  expect([...projection.nodes.keys()]).toEqual([...driver.nodes.keys()]);
  for (const [id, node] of driver.nodes) {
    const projected = projection.nodes.get(id);
    expect(projected).toMatchObject({
      kind: node.kind,
      parentNodeId: node.parent,
      state: node.state,
      context: node.context,
    });
  }
  const tip = projection.preferredTipNodeId;
  if (tip !== null) {
    expect(['step', 'blocked_attempt']).toContain(projection.nodes.get(tip)?.kind);
    expect(projection.edges.some((e) => e.fromNodeId === tip && e.edgeKind === 'advance')).toBe(false);
  }
}

describe('engine properties', () => {
  it('random walks with random inputs and forks keep every state valid, and replay rebuilds them', () => {
    fc.assert(
      fc.property(
        compiledWorkflow,
        contextDelta,
        fc.boolean(),
        fc.array(fc.tuple(agentInput, fc.nat(), fc.boolean()), { maxLength: 30 }),
        (wf, initial, isAutonomous, moves) => {
          const driver = new Driver(wf, isAutonomous);
          const start = driver.start(initial);
          if (!start.ok) {
            expect(start.failure.kind).toBe('missing_loop_input');
            return;
          }
          assertValidState(wf, start.decision.state);
          for (const [input, pick, fork] of moves) {
            const open = [...driver.nodes.entries()].filter(
              ([, n]) => n.state.kind === 'pending' || n.state.gate !== undefined,
            );
            if (open.length === 0) break;
            const from = fork ? (open[pick % open.length]?.[0] as NodeId) : driver.tip;
            const node = driver.node(from as NodeId);
            const result = driver.advance(input, from);
            if (!result.ok) {
              if (node.state.kind === 'complete' && node.state.gate === undefined)
                expect(result.failure.kind).toBe('run_complete');
              else expect(result.failure.kind).toBe('retry_limit_reached');
              continue;
            }
            const { decision } = result;
            assertValidState(wf, decision.state);
            if (decision.outcome === 'blocked') {
              expect(decision.blockers.length).toBeGreaterThanOrEqual(1);
              expect(finalizeBlockers(decision.blockers)).toEqual(decision.blockers);
              expect(decision.state).toEqual(node.state);
              expect(decision.context).toEqual(node.context);
            }
          }
          assertReplayMatches(driver);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('an agent that always sends notes and a continue decision completes within the iteration bound', () => {
    fc.assert(
      fc.property(compiledWorkflow, contextDelta, (wf, initial) => {
        const context: JsonObject = { ...initial, items: [1, 2], n: 2 };
        const driver = new Driver(wf);
        const start = driver.start(context);
        expect(start.ok).toBe(true);
        const bound = wf.steps.reduce(
          (sum, s) => sum + (s.kind === 'loop' ? s.loop.maxIterations * s.body.length : 1),
          0,
        );
        let advances = 0;
        while (driver.state.kind === 'pending' && advances <= bound) {
          const result = driver.advance({
            notes: 'ok',
            artifacts: [{ kind: 'wr.loop_control', decision: 'continue' }],
          });
          expect(result.ok && result.decision.outcome).toBe('advanced');
          advances += 1;
        }
        expect(driver.state.kind).toBe('complete');
        expect(advances).toBeLessThanOrEqual(bound);
        assertReplayMatches(driver);
      }),
      { numRuns: 300 },
    );
  });
});
