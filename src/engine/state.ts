// The engine state recorded on every node (docs: mcp-protocol.md §10, `node_created`).
// It is plain JSON so the store can persist it and replay can rebuild it.

/** Position inside a loop: which iteration, which body step, and the forEach length seen at its start. */
export interface LoopFrame {
  readonly loopId: string;
  /** 1-based iteration number. */
  readonly iteration: number;
  /** Index of the pending body step. */
  readonly bodyIndex: number;
  /** forEach only: length of the items array read before this iteration. */
  readonly itemsLength?: number;
  /** for only: the iteration count resolved when the loop was entered. */
  readonly count?: number;
}

/**
 * Set only on a `gate_checkpoint` node (and on blocked attempts retrying out of it): the run is parked after
 * `stepId` was completed, and the rest of the state is where the gated advance would have gone (mcp-protocol §5.4).
 */
export interface GateMark {
  readonly stepId: string;
  readonly gateKind: 'coordinator_eval' | 'human_approval';
}

export type PendingState = {
  readonly kind: 'pending';
  /** Id of the pending step (a top-level step or a loop body step). */
  readonly pendingStepId: string;
  /** Index of the current top-level step (the loop, when inside one). */
  readonly cursor: number;
  readonly loop: LoopFrame | null;
  /** Number of step completions so far on this path. */
  readonly completedCount: number;
  readonly gate?: GateMark;
};

export type CompleteState = {
  readonly kind: 'complete';
  readonly completedCount: number;
  readonly gate?: GateMark;
};

export type EngineState = PendingState | CompleteState;
