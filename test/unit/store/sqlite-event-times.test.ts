// Schema 21 stores an event row's time only where it differs from the row before it, and always on a node_created row
// and every 16th seq (event-times.ts): the reads give back every appended time, from any start seq, however many
// appends share one millisecond.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { AttemptId, NewEvent, NodeId, RunId, SessionId } from '../../../src/engine/events.js';
import { openSqliteSessionStore } from '../../../src/store/index.js';
import { TIME_EVERY_SEQS } from '../../../src/store/sqlite/event-times.js';
import { compiledWorkflow, counterIds, startEvents } from '../../fixtures/store/session-script.js';

const S = 'sess_times' as SessionId;
const R = 'run_times' as RunId;
const ROOT = 'node_root' as NodeId;

/** One appended note on the root node at `atMs`. */
function note(i: number, atMs: number): NewEvent {
  const attemptId = `attempt_${i}` as AttemptId;
  return {
    kind: 'output_appended',
    runId: R,
    nodeId: ROOT,
    dedupeKey: `notes:${ROOT}:${attemptId}`,
    atMs,
    data: { nodeId: ROOT, attemptId, channel: 'notes', notesMarkdown: `Note ${i}.` },
  };
}

function recorded(randomIds: boolean) {
  const path = join(mkdtempSync(join(tmpdir(), 'workrail-times-')), 'workrail.db');
  const store = openSqliteSessionStore({ path, ...(randomIds ? { newEventId: counterIds('times').event } : {}) });
  const append = (events: NewEvent[]) => {
    const result = store.transaction(S, (tx) => tx.appendEvents(S, events));
    if (!result.ok) throw new Error('locked');
    return result.value;
  };
  store.transaction(S, (tx) => tx.pinWorkflow(compiledWorkflow()));
  const log = append(startEvents({ sessionId: S, runId: R, rootNodeId: ROOT, atMs: 1000, goal: 'Time it' }));
  // One note per append: a burst in one millisecond, a later time, then an earlier one again.
  for (let i = 0; i < 40; i++) log.push(...append([note(i, 2000)]));
  for (let i = 40; i < 45; i++) log.push(...append([note(i, 3000)]));
  log.push(...append([note(45, 2000), note(46, 2000), note(47, 2000)]));
  return { path, store, log };
}

function storedTimes(path: string): { seq: number; at_ms: number | null; kind: number }[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT id & 4294967295 AS seq, at_ms, kind FROM events ORDER BY id').all() as never;
  } finally {
    db.close();
  }
}

describe('SQLite event times (schema 21)', () => {
  for (const randomIds of [false, true]) {
    it(`reads back every appended time from any start seq (${randomIds ? 'random' : 'derived'} event ids)`, () => {
      const { path, store, log } = recorded(randomIds);
      const rows = storedTimes(path);
      expect(rows.filter((r) => r.at_ms === null).length).toBeGreaterThan(rows.length / 2);
      // A time at least every TIME_EVERY_SEQS seqs, and where it changes, and on node_created rows.
      const timed = rows.filter((r) => r.at_ms !== null).map((r) => r.seq);
      const gaps = timed.slice(1).map((seq, i) => seq - timed[i]!);
      expect(Math.max(...gaps)).toBe(TIME_EVERY_SEQS);
      for (const row of rows) {
        const event = log[row.seq]!;
        const previous = log[row.seq - 1];
        if (row.kind === 3 || previous?.atMs !== event.atMs) expect(row.at_ms).toBe(event.atMs);
      }
      store.read((r) => {
        expect(r.listEvents(S)).toEqual(log);
        for (const e of log) expect(r.listEvents(S, e.seq)).toEqual(log.slice(e.seq));
        const outputs = r.listOutputs(S);
        expect(outputs).toHaveLength(48);
        for (const o of outputs) expect(o.atMs).toBe(log[o.seq]!.atMs);
      });
      expect(store.rebuildProjections().ok).toBe(true);
      store.read((r) => expect(r.listEvents(S)).toEqual(log));
      store.close();
    });
  }
});
