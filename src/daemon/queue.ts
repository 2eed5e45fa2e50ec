// Admission (docs/worktrain.md §7.1): a global cap on running sessions, a per-trigger cap, a FIFO queue per trigger
// bounded by `maxQueueDepth`, and the 30 s dedupe window. When a slot frees, the oldest queued entry whose trigger
// has capacity starts.
import { DEFAULTS } from './defaults.js';

export interface QueueEntry {
  readonly sessionId: string;
  readonly triggerId: string;
  readonly concurrency: number;
  readonly maxQueueDepth: number;
}

export type Admission =
  | { readonly ok: true; readonly queuePosition: number }
  | { readonly ok: false; readonly queueDepth: number; readonly maxQueueDepth: number };

/** The answer to a new dispatch: dedupe, then the trigger's queue depth, then queued. */
export type Offer =
  | { readonly status: 'accepted'; readonly queuePosition: number }
  | { readonly status: 'duplicate'; readonly sessionId: string }
  | { readonly status: 'queue_full'; readonly queueDepth: number; readonly maxQueueDepth: number };

/** A kill or steer for a running session (shared mode: sent to the instance that runs it). */
export type SessionCommand =
  | { readonly kind: 'kill'; readonly reason: string | null }
  | { readonly kind: 'steer'; readonly text: string };

export interface DispatchQueue {
  /**
   * Admits a new dispatch as one step: a duplicate of `dedupeKey` inside the window or a full trigger queue refuses
   * it; otherwise `record` writes the session (before it can start) and the entry is queued.
   */
  offer(entry: QueueEntry, dedupeKey: string | null, record: () => void): Offer;
  /** Queues `entry` (it may start at once); refused when its trigger's queue is full. */
  admit(entry: QueueEntry): Admission;
  /** Drops a queued entry; false when it is not queued. */
  drop(sessionId: string): boolean;
  readonly running: number;
  readonly queued: number;
  runningFor(triggerId: string): number;
  queuedFor(triggerId: string): number;
  queuedIds(): readonly string[];
  /** Whether this daemon may still advance the session: always in memory; while it holds the lease when shared. */
  holdsLease(sessionId: string): boolean;
  /**
   * Shared mode: sends `command` to the instance that runs the session (`QueueHooks.command` there); false when no
   * instance runs it. Absent on one machine, where every running session runs here.
   */
  send?(sessionId: string, command: SessionCommand): boolean;
  /** Stops taking work (shutdown); queued entries stay where they are stored. */
  close(): void;
}

/** What a queue needs from the core. */
export interface QueueHooks {
  readonly maxConcurrent: number;
  /** Runs a session; the queue frees its slot when the returned promise settles. */
  readonly start: (entry: QueueEntry) => Promise<void>;
  readonly now: () => number;
  /**
   * Shared mode: a session whose owner died. Applies crash recovery (§7.5) and returns the entry to run, or null
   * when the session was ended (discarded) or needs no run.
   */
  readonly takeOver: (sessionId: string) => Promise<QueueEntry | null>;
  /** Shared mode: another instance took the session over; stop the local run without writing to it. */
  readonly leaseLost: (sessionId: string) => void;
  /** Shared mode: a kill or steer another instance sent for a session this one runs. */
  readonly command: (sessionId: string, command: SessionCommand) => void;
}

/** The single-machine queue: in memory, rebuilt from daemon.db at startup (recovery.ts). */
export function createDispatchQueue(options: QueueHooks): DispatchQueue {
  const waiting: QueueEntry[] = [];
  const running = new Map<string, number>();
  let runningTotal = 0;
  const recent = new Map<string, { sessionId: string; at: number }>();

  const pump = () => {
    for (let i = 0; i < waiting.length && runningTotal < options.maxConcurrent; ) {
      const entry = waiting[i] as QueueEntry;
      if ((running.get(entry.triggerId) ?? 0) >= entry.concurrency) {
        i++;
        continue;
      }
      waiting.splice(i, 1);
      runningTotal++;
      running.set(entry.triggerId, (running.get(entry.triggerId) ?? 0) + 1);
      void options
        .start(entry)
        .catch(() => undefined)
        .finally(() => {
          runningTotal--;
          running.set(entry.triggerId, (running.get(entry.triggerId) ?? 1) - 1);
          pump();
        });
    }
  };

  /** The first session with the same key inside the window, else records `sessionId` under it. */
  const dedupe = (key: string, sessionId: string): string | null => {
    const now = options.now();
    for (const [k, v] of recent) if (now - v.at > DEFAULTS.dedupeWindowMs) recent.delete(k);
    const first = recent.get(key);
    if (first !== undefined) return first.sessionId;
    recent.set(key, { sessionId, at: now });
    return null;
  };

  const queue: DispatchQueue = {
    offer(entry, dedupeKey, record) {
      if (dedupeKey !== null) {
        const first = dedupe(dedupeKey, entry.sessionId);
        if (first !== null) return { status: 'duplicate', sessionId: first };
      }
      const depth = queue.queuedFor(entry.triggerId);
      if (depth >= entry.maxQueueDepth) {
        return { status: 'queue_full', queueDepth: depth, maxQueueDepth: entry.maxQueueDepth };
      }
      record();
      const admitted = queue.admit(entry);
      return { status: 'accepted', queuePosition: admitted.ok ? admitted.queuePosition : depth + 1 };
    },
    admit(entry) {
      const depth = waiting.filter((e) => e.triggerId === entry.triggerId).length;
      if (depth >= entry.maxQueueDepth) return { ok: false, queueDepth: depth, maxQueueDepth: entry.maxQueueDepth };
      waiting.push(entry);
      const queuePosition = depth + 1;
      pump();
      return { ok: true, queuePosition };
    },
    drop(sessionId) {
      const index = waiting.findIndex((e) => e.sessionId === sessionId);
      if (index < 0) return false;
      waiting.splice(index, 1);
      return true;
    },
    get running() {
      return runningTotal;
    },
    get queued() {
      return waiting.length;
    },
    runningFor: (triggerId) => running.get(triggerId) ?? 0,
    queuedFor: (triggerId) => waiting.filter((e) => e.triggerId === triggerId).length,
    queuedIds: () => waiting.map((e) => e.sessionId),
    holdsLease: () => true,
    close: () => undefined,
  };
  return queue;
}
