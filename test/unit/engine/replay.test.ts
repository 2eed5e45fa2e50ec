import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../src/engine/events.js';
import { runCompletedEvent } from '../../../src/engine/records.js';
import { replayEvents } from '../../../src/engine/replay.js';
import { Driver } from './driver.js';
import { std, workflow } from './fixtures.js';

const linear = workflow([std('s1'), std('s2'), std('s3')]);

describe('replayEvents', () => {
  it('rebuilds nodes with kind, parent, state and the context inherited along the path', () => {
    const driver = new Driver(linear);
    driver.start({ a: 1 });
    const root = driver.tip as NodeId;
    driver.ok({ notes: 'x', contextDelta: { b: 2 } });
    const second = driver.tip as NodeId;
    driver.ok({ notes: 'y' });
    const third = driver.tip as NodeId;
    const projection = replayEvents(driver.events);
    expect(projection.nodes.get(root)).toMatchObject({
      kind: 'step',
      parentNodeId: null,
      context: { a: 1, goal: 'Test goal' },
    });
    expect(projection.nodes.get(second)?.context).toEqual({ a: 1, goal: 'Test goal', b: 2 });
    expect(projection.nodes.get(third)).toMatchObject({
      parentNodeId: second,
      context: { a: 1, goal: 'Test goal', b: 2 },
    });
    expect(projection.nodes.get(third)?.state).toEqual(driver.state);
  });

  it('keeps branch contexts apart', () => {
    const driver = new Driver(linear);
    driver.start();
    const root = driver.tip as NodeId;
    driver.ok({ notes: 'x', contextDelta: { branch: 'one' } });
    const one = driver.tip as NodeId;
    driver.advance({ notes: 'x', contextDelta: { branch: 'two' } }, root);
    const two = driver.tip as NodeId;
    const projection = replayEvents(driver.events);
    expect(projection.nodes.get(one)?.context.branch).toBe('one');
    expect(projection.nodes.get(two)?.context.branch).toBe('two');
  });

  it('prefers the step or blocked attempt without successors created last', () => {
    const driver = new Driver(linear);
    driver.start();
    const root = driver.tip as NodeId;
    driver.ok();
    driver.advance({}, root);
    const blocked = driver.tip as NodeId;
    expect(replayEvents(driver.events).preferredTipNodeId).toBe(blocked);
    driver.advance({ notes: 'retry' });
    expect(replayEvents(driver.events).preferredTipNodeId).toBe(driver.tip);
  });

  it('indexes advances by node and attempt, and collects outputs and completion', () => {
    const driver = new Driver(workflow([std('only')]));
    driver.start();
    const root = driver.tip as NodeId;
    driver.ok({ notes: 'all done' });
    const completed = runCompletedEvent({ now: 9 }, { finalNodeId: driver.tip as NodeId, durationMs: 5, git: null });
    const projection = replayEvents([...driver.events, completed]);
    expect([...projection.advances.values()]).toEqual([
      expect.objectContaining({ fromNodeId: root, outcome: 'advanced' }),
    ]);
    expect(projection.outputs).toEqual([
      expect.objectContaining({ nodeId: root, channel: 'notes', notesMarkdown: 'all done' }),
    ]);
    expect(projection.completed).toMatchObject({ finalNodeId: driver.tip });
  });

  it('ignores an event whose dedupe key was already applied', () => {
    const driver = new Driver(linear);
    driver.start();
    driver.ok();
    const twice = replayEvents([...driver.events, ...driver.events.slice(2)]);
    expect(twice).toEqual(replayEvents(driver.events));
  });
});
