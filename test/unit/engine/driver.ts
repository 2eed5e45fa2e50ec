// An in-memory session for engine tests: it plays the app's part (tracking nodes, successors and blocked
// streaks) and keeps every emitted event so tests can replay them.
import { type AdvanceInput, type AdvanceResult, advance } from '../../../src/engine/advance.js';
import type { AttemptId, NewEvent, NodeId, NodeKind } from '../../../src/engine/events.js';
import { type StartResult, startRun } from '../../../src/engine/start.js';
import type { EngineState } from '../../../src/engine/state.js';
import type { CompiledWorkflow, JsonObject } from '../../../src/workflow/types.js';
import { counterIds } from './fixtures.js';

export interface DriverNode {
  readonly kind: NodeKind;
  readonly parent: NodeId | null;
  readonly state: EngineState;
  readonly context: JsonObject;
}

export class Driver {
  readonly events: NewEvent[] = [];
  readonly nodes = new Map<NodeId, DriverNode>();
  readonly newId = counterIds();
  private readonly withSuccessor = new Set<NodeId>();
  private clock = 1000;
  tip: NodeId | null = null;

  constructor(
    readonly workflow: CompiledWorkflow,
    readonly isAutonomous = false,
  ) {}

  start(context: JsonObject = {}, goal = 'Test goal'): StartResult {
    const result = startRun(this.workflow, { context, goal, now: this.tick(), newId: this.newId });
    if (result.ok) {
      this.events.push(...result.events);
      const { rootNodeId, state } = result.decision;
      this.nodes.set(rootNodeId, { kind: 'step', parent: null, state, context: result.decision.context });
      this.tip = rootNodeId;
    }
    return result;
  }

  /** Advances from `from` (default: the last created node) with a fresh attempt. */
  advance(input: AdvanceInput = {}, from: NodeId | null = this.tip): AdvanceResult {
    if (from === null) throw new Error('no node to advance from');
    const node = this.node(from);
    const result = advance(
      this.workflow,
      {
        nodeId: from,
        nodeKind: node.kind,
        state: node.state,
        context: node.context,
        attemptId: this.newId('attempt') as AttemptId,
        hasAdvanceSuccessor: this.withSuccessor.has(from),
        blockedStreak: this.blockedStreak(from),
      },
      input,
      { now: this.tick(), newId: this.newId, isAutonomous: this.isAutonomous },
    );
    if (result.ok) {
      const { decision } = result;
      const kind: NodeKind =
        decision.outcome === 'blocked' ? 'blocked_attempt' : decision.outcome === 'gated' ? 'gate_checkpoint' : 'step';
      this.events.push(...result.events);
      this.nodes.set(decision.nodeId, { kind, parent: from, state: decision.state, context: decision.context });
      this.withSuccessor.add(from);
      this.tip = decision.nodeId;
    }
    return result;
  }

  /** Advances and expects an accepted or gated step; returns the new state. */
  ok(input: AdvanceInput = { notes: 'done' }): EngineState {
    const result = this.advance(input);
    if (!result.ok) throw new Error(`advance failed: ${JSON.stringify(result.failure)}`);
    if (result.decision.outcome === 'blocked') throw new Error(`blocked: ${JSON.stringify(result.decision.blockers)}`);
    return result.decision.state;
  }

  node(id: NodeId): DriverNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`unknown node ${id}`);
    return node;
  }

  get state(): EngineState {
    return this.node(this.tip as NodeId).state;
  }

  /** Pending step ids visited along the walk, one per accepted advance. */
  pendingId(): string | null {
    const state = this.state;
    return state.kind === 'pending' ? state.pendingStepId : null;
  }

  private blockedStreak(id: NodeId): number {
    let count = 0;
    let current: NodeId | null = id;
    while (current !== null && this.node(current).kind === 'blocked_attempt') {
      count += 1;
      current = this.node(current).parent;
    }
    return count;
  }

  private tick(): number {
    this.clock += 1;
    return this.clock;
  }
}

/** Drives the run with the same input until it completes or `limit` advances; returns the pending step ids seen. */
export function walk(driver: Driver, inputFor: (stepId: string) => AdvanceInput, limit = 50): string[] {
  const seen: string[] = [];
  for (let i = 0; i < limit; i++) {
    const id = driver.pendingId();
    if (id === null) break;
    seen.push(id);
    driver.ok(inputFor(id));
  }
  return seen;
}
