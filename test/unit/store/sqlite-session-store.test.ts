import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { SessionId } from '../../../src/engine/events.js';
import { openSqliteSessionStore, type SqliteSessionStore } from '../../../src/store/index.js';
import { dataPath } from '../../../src/store/sqlite/data-dictionary.js';
import { SCHEMA_VERSION } from '../../../src/store/sqlite/migrate.js';
import * as initialSchema from '../../../src/store/sqlite/migrations/0001-initial.js';
import { counterIds, recordRealisticSession, WORKFLOW_HASH } from '../../fixtures/store/session-script.js';
import { dumpProjections } from '../../support/projection-dump.js';
import { type Corruption, describeSessionStoreContract, type StoreHarness } from './session-store-contract.js';

function tempDbPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'workrail-store-')), 'data', 'workrail.db');
}

function open(path: string, lockWaitMs?: number): SqliteSessionStore {
  return openSqliteSessionStore({ path, newEventId: counterIds(String(Math.random()).slice(2, 8)).event, lockWaitMs });
}

/** The store as the app opens it: event ids derived from (session, seq), so edges fold into their nodes' rows. */
function openDerived(path: string): SqliteSessionStore {
  return openSqliteSessionStore({ path });
}

function sqliteHarness(openStore = open): StoreHarness {
  const path = tempDbPath();
  let store = openStore(path);
  const raw = (fn: (db: Database.Database) => void) => {
    const db = new Database(path);
    try {
      fn(db);
    } finally {
      db.close();
    }
  };
  return {
    get store() {
      return store;
    },
    reopen() {
      store.close();
      store = openStore(path);
      return store;
    },
    corrupt(sessionId: SessionId, how: Corruption) {
      raw((db) => {
        const sk = db.prepare('SELECT sk FROM session_keys WHERE session_id = ?').pluck().get(sessionId);
        // Node rows are keyed by their node_created event's id, (sk << 32) | seq (schema 13).
        const nodes = db
          .prepare('SELECT id FROM nodes WHERE id >> 32 = ? ORDER BY id')
          .pluck()
          .safeIntegers()
          .all(sk) as bigint[];
        if (how === 'seq_gap') db.prepare('DELETE FROM events WHERE id = (? << 32) | 3').run(sk);
        if (how === 'node_state') {
          // A node's state lives in its node_created event (schema 5): cut that event's JSON short.
          db.prepare('UPDATE events SET data = substr(data, 1, 20) WHERE id = ?').run(nodes[1]);
        }
        if (how === 'deleted_node') db.prepare('DELETE FROM nodes WHERE id = ?').run(nodes[1]);
        if (how === 'dangling_edge') {
          // Edges are read from their edge_created events (schema 6), which name a node by the seq of its creation
          // (schema 11).
          const to = dataPath('toNodeId');
          const edge = `UPDATE events SET data = json_set(data, '${to}', 'node_ghost')
            WHERE kind = 4 AND id >> 32 = ? AND json_extract(data, '${to}') = ? & 4294967295`;
          db.prepare(edge).run(sk, nodes[4]);
        }
        if (how === 'missing_workflow') db.prepare('DELETE FROM workflows').run();
      });
    },
    cleanup() {
      store.close();
      rmSync(join(path, '..', '..'), { recursive: true, force: true });
    },
  };
}

describeSessionStoreContract('sqlite', () => sqliteHarness());
describeSessionStoreContract('sqlite, derived event ids', () => sqliteHarness(openDerived));

describe('SQLite session store', () => {
  it('runs with WAL, synchronous=FULL, foreign keys and the configured busy timeout', () => {
    const store = open(tempDbPath(), 1234);
    expect(store.settings()).toEqual({
      journalMode: 'wal',
      synchronous: 2,
      busyTimeoutMs: 1234,
      foreignKeys: true,
      schemaVersion: SCHEMA_VERSION,
    });
    store.close();
  });

  it('records the schema version and does not migrate again on reopen', () => {
    const path = tempDbPath();
    const first = open(path);
    recordRealisticSession(first, 1, 10_000);
    first.close();
    const second = open(path);
    expect(second.settings().schemaVersion).toBe(SCHEMA_VERSION);
    expect(second.read((r) => r.listRecentSessions(10))).toHaveLength(1);
    second.close();
  });

  it('refuses a database written by a newer schema', () => {
    const path = tempDbPath();
    open(path).close();
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();
    expect(() => open(path)).toThrow(/newer/);
  });

  it('rebuilds projection tables identical to the live ones, row for row', () => {
    const path = tempDbPath();
    const store = open(path);
    recordRealisticSession(store, 1, 10_000, { complete: true });
    recordRealisticSession(store, 2, 20_000, { goal: 'Repair checkout flow' });
    recordRealisticSession(store, 3, 30_000, { notes: '# Heading first\nthen body' });
    const live = dumpProjections(path, FTS_PROBES);
    expect(store.rebuildProjections().ok).toBe(true);
    expect(dumpProjections(path, FTS_PROBES)).toEqual(live);
    store.close();
  });
});

describe('SQLite event data packing (schema 8)', () => {
  it('gives back every event exactly, whatever keys and strings the data holds', () => {
    const path = tempDbPath();
    const store = open(path);
    const s = recordRealisticSession(store, 1, 10_000);
    const context = JSON.parse(
      `{"10":"ten","a":"~","~b":"~~c","kind":"${'0f'.repeat(16)}","__proto__":{"state":"ABCDEF0123456789"},` +
        `"nodeId":"${'ab'.repeat(7)}","digest":"${'a'.repeat(17)}","nested":[{"fromNodeId":"~h"}],` +
        `"attempts":["attempt_","attempt_~x","~attempt_y","~ax","attempt"],` +
        `"enums":["pending","advance","~0","~Z","~","step ","Pending"]}`,
    );
    const appended = store.transaction(s.sessionId, (tx) =>
      tx.appendEvents(s.sessionId, [
        {
          kind: 'context_set',
          dedupeKey: 'context:packing',
          atMs: 20_000,
          data: { nodeId: s.node('n1'), context, source: 'agent_delta' },
        },
      ]),
    );
    expect(appended.ok).toBe(true);
    const events = store.read((r) => r.listEvents(s.sessionId));
    expect(JSON.stringify(events.at(-1)?.data)).toBe(
      JSON.stringify({ nodeId: s.node('n1'), context, source: 'agent_delta' }),
    );
    expect(store.read((r) => r.nodeContext(s.node('n1')))).toEqual(context);
    store.close();
  });
});

describe('SQLite attempt ids (schema 12)', () => {
  it("gives back a token row's attempt id exactly, with or without the attempt_ prefix", () => {
    const store = open(tempDbPath());
    const s = recordRealisticSession(store, 1, 10_000);
    const attempts = ['attempt_k', 'attempt_', 'attempt_~x', '~attempt_y', 'other'];
    const tokens = attempts.map((attemptId, i) => ({
      token: `ct_attempt${i}` as const,
      kind: 'continue' as const,
      sessionId: s.sessionId,
      runId: s.runId,
      nodeId: s.node('n1'),
      attemptId: attemptId as never,
      workflowHash: WORKFLOW_HASH,
      createdAtMs: 30_000 + i,
    }));
    const inserted = store.transaction(s.sessionId, (tx) => {
      for (const t of tokens) tx.insertToken(t);
    });
    expect(inserted.ok).toBe(true);
    store.read((r) => {
      for (const t of tokens) {
        expect(r.findToken(t.token)?.attemptId).toBe(t.attemptId);
        expect(r.findTokenFor('continue', t.nodeId, t.attemptId)).toBe(t.token);
      }
    });
    store.close();
  });
});

describe('SQLite node references in event data (schema 11)', () => {
  it('gives back every event exactly: nodes named by seq, unknown ids, and numbers or arrays where an id belongs', () => {
    const path = tempDbPath();
    const store = open(path);
    const s = recordRealisticSession(store, 1, 10_000);
    const odd = [
      // A node the session does not hold, and one it creates only later, stay ids.
      {
        kind: 'context_set',
        dedupeKey: 'context:later',
        data: { nodeId: 'node_later', context: {}, source: 'initial' },
      },
      { kind: 'edge_created', dedupeKey: 'edge:odd', data: { fromNodeId: s.node('n1'), toNodeId: 'node_ghost' } },
      // Values no engine writes, still given back as they were.
      { kind: 'decision_trace_appended', dedupeKey: 'trace:7', data: { nodeId: 7, entries: [] } },
      { kind: 'decision_trace_appended', dedupeKey: 'trace:arr', data: { nodeId: [[3]], entries: [] } },
      { kind: 'run_completed', dedupeKey: 'run_completed:odd', data: { finalNodeId: null, durationMs: 1, git: null } },
    ].map((e) => ({ ...e, atMs: 20_000 }));
    expect(store.transaction(s.sessionId, (tx) => tx.appendEvents(s.sessionId, odd as never)).ok).toBe(true);
    const events = store.read((r) => r.listEvents(s.sessionId));
    expect(events.slice(-odd.length).map((e) => JSON.stringify(e.data))).toEqual(
      odd.map((e) => JSON.stringify(e.data)),
    );
    // Listing from a seq resolves references to nodes created before it.
    const tail = store.read((r) => r.listEvents(s.sessionId, events.length - 8));
    expect(JSON.stringify(tail)).toBe(JSON.stringify(events.slice(-8)));
    const edges = events.filter((e) => e.kind === 'edge_created');
    const loaded = store.read((r) => r.loadSession(s.sessionId));
    expect(loaded.kind).toBe('unhealthy');
    expect(store.read((r) => r.listOutputs(s.sessionId)).map((o) => o.nodeId)).toEqual(
      events.flatMap((e) => (e.kind === 'output_appended' ? [e.data.nodeId] : [])),
    );
    expect(edges.at(-1)?.data).toEqual({ fromNodeId: s.node('n1'), toNodeId: 'node_ghost' });
    const db = new Database(path, { readonly: true });
    const stored = db.prepare('SELECT data FROM events WHERE kind = 4 ORDER BY id LIMIT 1').pluck().get() as string;
    db.close();
    expect(stored).not.toContain('node_');
    store.close();
  });
});

const FTS_PROBES = ['login', 'checkout', 'heading', 'backoff', 'planned', 'fix', 'acme', 'verified'];

describe('SQLite change counter', () => {
  it('changes after a commit by this connection or by another process, and not after a rollback', () => {
    const path = tempDbPath();
    const store = open(path);
    const start = store.changeCounter();
    expect(store.transaction(null, (tx) => tx.rememberRoot('/a', 1)).ok).toBe(true);
    const afterOwn = store.changeCounter();
    expect(afterOwn).not.toBe(start);
    expect(() =>
      store.transaction(null, () => {
        throw new Error('rollback');
      }),
    ).toThrow('rollback');
    expect(store.changeCounter()).toBe(afterOwn);
    const other = open(path);
    other.transaction(null, (tx) => tx.rememberRoot('/b', 2));
    other.close();
    expect(store.changeCounter()).not.toBe(afterOwn);
    store.close();
  });
});

describe('SQLite schema migration 2 (slimmer rows)', () => {
  /** A database as schema 1 left it: one session with one event, its run, and tokens with repeated hashes. */
  function schemaOneDatabase(): string {
    const path = tempDbPath();
    mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.exec(initialSchema.sql);
    db.pragma('user_version = 1');
    db.prepare("INSERT INTO session_keys (sk, session_id) VALUES (1, 'sess_a')").run();
    db.prepare(
      `INSERT INTO events (sk, seq, event_id, kind, run_id, node_id, dedupe_key, at_ms, data)
       VALUES (1, 0, 'evt_a', 'session_created', NULL, NULL, 'session_created:sess_a', 5, '{"workspacePath":"/w","createdAtMs":5}')`,
    ).run();
    db.prepare(
      `INSERT INTO runs (run_id, session_id, workflow_id, workflow_hash, source_kind, goal, bindings, refs, started_at_ms)
       VALUES ('run_a', 'sess_a', 'acme.flow', 'sha256:pinned', 'project', 'Goal', '{}', '[]', 5)`,
    ).run();
    const token = db.prepare(
      `INSERT INTO tokens (token, kind, session_id, run_id, node_id, attempt_id, workflow_hash, created_at_ms)
       VALUES (?, ?, 'sess_a', 'run_a', 'node_a', ?, ?, 5)`,
    );
    token.run('ct_pinned', 'continue', 'attempt_a', 'sha256:pinned');
    token.run('st_other', 'state', null, 'sha256:other');
    db.prepare(
      "INSERT INTO attempts (attempt_id, session_id, node_id, created_at_ms) VALUES ('attempt_a', 'sess_a', 'node_a', 5)",
    ).run();
    db.close();
    return path;
  }

  it('migrates on open: tokens keep their workflow hash, events keep their ids and still deduplicate by key', () => {
    const path = schemaOneDatabase();
    const store = open(path);
    expect(store.settings().schemaVersion).toBe(SCHEMA_VERSION);
    expect(store.read((r) => r.findToken('ct_pinned'))).toMatchObject({
      attemptId: 'attempt_a',
      workflowHash: 'sha256:pinned',
    });
    expect(store.read((r) => r.findToken('st_other'))).toMatchObject({ attemptId: null, workflowHash: 'sha256:other' });
    const sessionId = 'sess_a' as SessionId;
    expect(store.read((r) => r.listEvents(sessionId))).toEqual([
      expect.objectContaining({ eventId: 'evt_a', seq: 0, dedupeKey: 'session_created:sess_a' }),
    ]);
    const append = (dedupeKey: string) =>
      store.transaction(sessionId, (tx) =>
        tx.appendEvents(sessionId, [
          {
            kind: 'observation_recorded',
            dedupeKey,
            atMs: 6,
            data: { key: 'git_branch', value: 'main', confidence: 'high' },
          },
        ]),
      );
    const again = append('session_created:sess_a');
    expect(again.ok && again.value).toEqual([]);
    const fresh = append('observation:git_branch');
    expect(fresh.ok && fresh.value.map((e) => e.seq)).toEqual([1]);
    store.close();

    const db = new Database(path, { readonly: true });
    try {
      // Schema 9 keeps token rows in token_records; `tokens` is a view that reads like the old table.
      expect(db.prepare("SELECT workflow_hash FROM tokens WHERE token = 'ct_pinned'").pluck().get()).toBe(
        'sha256:pinned',
      );
      expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'attempts'").pluck().get()).toBe(0);
      expect(db.prepare('SELECT count(*) FROM session_events').pluck().get()).toBe(2);
    } finally {
      db.close();
    }
  });
});
