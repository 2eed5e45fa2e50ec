// Daemon events (docs/worktrain.md §7.7): numbered, redacted, kept in memory for the SSE stream and appended as
// JSON lines to `<dataDir>/daemon-events.jsonl`.
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Redactor, redactValue } from './redact.js';

export interface DaemonEvent {
  readonly seq: number;
  readonly ts: number;
  readonly kind: string;
  readonly sessionId?: string;
  readonly workrailSessionId?: string;
  readonly triggerId?: string;
  readonly [field: string]: unknown;
}

export interface EventLog {
  emit(kind: string, fields?: { readonly [key: string]: unknown }): DaemonEvent;
  /** Events after `afterSeq`, oldest first. */
  since(afterSeq: number): readonly DaemonEvent[];
  subscribe(listener: (event: DaemonEvent) => void): () => void;
  readonly lastSeq: number;
}

const KEPT_IN_MEMORY = 10_000;

export function createEventLog(options: { file: string | null; redact: Redactor; now: () => number }): EventLog {
  const events: DaemonEvent[] = [];
  const listeners = new Set<(event: DaemonEvent) => void>();
  let seq = 0;
  if (options.file !== null) mkdirSync(path.dirname(options.file), { recursive: true });
  return {
    emit(kind, fields = {}) {
      seq += 1;
      const event = redactValue(options.redact, { ...fields, seq, ts: options.now(), kind }) as DaemonEvent;
      events.push(event);
      if (events.length > KEPT_IN_MEMORY) events.shift();
      if (options.file !== null) appendFileSync(options.file, `${JSON.stringify(event)}\n`);
      for (const listener of listeners) listener(event);
      return event;
    },
    since(afterSeq) {
      return events.filter((event) => event.seq > afterSeq);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get lastSeq() {
      return seq;
    },
  };
}
