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

export interface DispatchQueue {
  /** Queues `entry` (it may start at once); refused when its trigger's queue is full. */
  admit(entry: QueueEntry): Admission;
  /** Drops a queued entry; false when it is not queued. */
  drop(sessionId: string): boolean;
  /** The first session with the same key inside the window, else records `sessionId` under it. */
  dedupe(key: string, sessionId: string): string | null;
  readonly running: number;
  readonly queued: number;
  runningFor(triggerId: string): number;
  queuedFor(triggerId: string): number;
  queuedIds(): readonly string[];
}

/** `start` runs a session; the queue frees its slot when the returned promise settles. */
export function createDispatchQueue(options: {
  readonly maxConcurrent: number;
  readonly start: (entry: QueueEntry) => Promise<void>;
  readonly now: () => number;
}): DispatchQueue {
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

  return {
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
    dedupe(key, sessionId) {
      const now = options.now();
      for (const [k, v] of recent) if (now - v.at > DEFAULTS.dedupeWindowMs) recent.delete(k);
      const first = recent.get(key);
      if (first !== undefined) return first.sessionId;
      recent.set(key, { sessionId, at: now });
      return null;
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
  };
}
