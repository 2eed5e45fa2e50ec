// The live channel's source (docs/console.md §5): polls the store's change counter, which moves when any process
// commits, and turns each change into a numbered `sessions-changed` frame naming the sessions whose version moved.
// Frames are batched for `debounceMs` and kept in a ring buffer so a reconnecting client can catch up.
import type { SessionStore } from '../store/index.js';

export interface Frame {
  readonly id: number;
  readonly event: 'sessions-changed';
  readonly data: { readonly sessionIds: readonly string[] };
}

export interface ChangeFeed {
  /** The id of the newest frame (0 before the first). */
  seq(): number;
  /** Frames after `lastId`, or null when the buffer no longer reaches back that far. */
  since(lastId: number): readonly Frame[] | null;
  subscribe(listener: (frame: Frame) => void): () => void;
  close(): void;
}

export interface ChangeFeedOptions {
  /** How often the counter is read; at most 250 ms (§5). */
  readonly pollMs?: number;
  readonly debounceMs?: number;
  readonly bufferSize?: number;
  /** How many of the most recently active sessions are compared for changed versions. */
  readonly scanLimit?: number;
}

/** Starts polling at once; `close()` stops it. */
export function createChangeFeed(store: SessionStore, options: ChangeFeedOptions = {}): ChangeFeed {
  const pollMs = Math.min(options.pollMs ?? 200, 250);
  const debounceMs = options.debounceMs ?? 200;
  const bufferSize = options.bufferSize ?? 1000;
  const scanLimit = options.scanLimit ?? 200;
  const listeners = new Set<(frame: Frame) => void>();
  const frames: Frame[] = [];
  const versions = new Map<string, string>();
  let seq = 0;
  let counter = store.changeCounter();
  let pending: Set<string> | null = null;
  let flushTimer: NodeJS.Timeout | null = null;

  const scan = (): string[] => {
    const changed: string[] = [];
    for (const s of store.read((r) => r.listSessions({ limit: scanLimit }))) {
      const version = `${s.lastActivityMs}|${s.preferredTipNodeId}|${s.isComplete}|${s.title}`;
      if (versions.get(s.sessionId) !== version) changed.push(s.sessionId);
      versions.set(s.sessionId, version);
    }
    return changed;
  };
  scan();

  const flush = () => {
    flushTimer = null;
    const ids = [...(pending ?? [])];
    pending = null;
    seq += 1;
    const frame: Frame = { id: seq, event: 'sessions-changed', data: { sessionIds: ids } };
    frames.push(frame);
    if (frames.length > bufferSize) frames.shift();
    for (const listener of listeners) listener(frame);
  };

  const poll = () => {
    const now = store.changeCounter();
    if (now === counter) return;
    counter = now;
    pending ??= new Set();
    for (const id of scan()) pending.add(id);
    flushTimer ??= setTimeout(flush, debounceMs);
  };
  const timer = setInterval(poll, pollMs);
  timer.unref();

  return {
    seq: () => seq,
    since(lastId) {
      if (lastId >= seq) return [];
      const first = frames[0];
      if (first === undefined || first.id > lastId + 1) return null;
      return frames.filter((f) => f.id > lastId);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      clearInterval(timer);
      if (flushTimer !== null) clearTimeout(flushTimer);
      listeners.clear();
    },
  };
}
