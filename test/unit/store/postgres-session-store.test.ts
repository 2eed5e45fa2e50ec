// The SessionStore contract against PostgreSQL, plus what only a shared server has: several connections (here, other
// processes) writing the same or different sessions at once, lock timeouts, migrations run by racing processes.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { AttemptId, NodeId, RunId, SessionId } from '../../../src/engine/events.js';
import { openPostgresSessionStore, type PostgresSessionStore } from '../../../src/store/index.js';
import {
  advanceEvents,
  compiledWorkflow,
  counterIds,
  pending,
  recordRealisticSession,
  startEvents,
} from '../../fixtures/store/session-script.js';
import { freshDatabaseUrl } from '../../support/postgres.js';
import { type Corruption, describeSessionStoreContract, type StoreHarness } from './session-store-contract.js';

interface RawClient {
  connectSync(url: string): void;
  querySync(sql: string, params?: unknown[]): Record<string, unknown>[];
  end(): void;
}
const NativeClient = createRequire(import.meta.url)('pg-native') as new () => RawClient;

/** Runs `fn` on a connection of its own, behind the store's back. */
function raw<T>(url: string, fn: (db: RawClient) => T): T {
  const db = new NativeClient();
  db.connectSync(url);
  try {
    return fn(db);
  } finally {
    db.end();
    // Kept referenced: libpq's addon crashes if a client is collected before its socket watcher has closed.
    closedClients.push(db);
  }
}
const closedClients: RawClient[] = [];

function open(url: string, lockWaitMs?: number): PostgresSessionStore {
  return openPostgresSessionStore({ url, newEventId: counterIds(String(Math.random()).slice(2, 8)).event, lockWaitMs });
}

function dropDatabase(url: string): void {
  const server = new URL(url);
  const name = server.pathname.slice(1);
  server.pathname = '/postgres';
  raw(server.toString(), (db) => db.querySync(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

async function postgresHarness(): Promise<StoreHarness> {
  const url = await freshDatabaseUrl();
  let store = open(url);
  return {
    get store() {
      return store;
    },
    reopen() {
      store.close();
      store = open(url);
      return store;
    },
    corrupt(sessionId: SessionId, how: Corruption) {
      raw(url, (db) => {
        const nodes = db
          .querySync('SELECT node_id FROM nodes WHERE session_id = $1 ORDER BY created_seq', [sessionId])
          .map((r) => r.node_id as string);
        if (how === 'seq_gap') db.querySync('DELETE FROM events WHERE session_id = $1 AND seq = 3', [sessionId]);
        if (how === 'node_state')
          db.querySync('UPDATE nodes SET state = substr(state, 1, 20) WHERE node_id = $1', [nodes[1]]);
        if (how === 'deleted_node') db.querySync('DELETE FROM nodes WHERE node_id = $1', [nodes[1]]);
        if (how === 'dangling_edge') {
          db.querySync(`UPDATE edges SET to_node_id = 'node_ghost' WHERE session_id = $1 AND to_node_id = $2`, [
            sessionId,
            nodes[4],
          ]);
        }
        if (how === 'missing_workflow') db.querySync('DELETE FROM workflows');
      });
    },
    cleanup() {
      store.close();
      dropDatabase(url);
    },
  };
}

describeSessionStoreContract('postgres', postgresHarness);

const S = 'sess_a' as SessionId;
const R = 'run_a' as RunId;
const ROOT = 'node_root' as NodeId;
const STORE_MODULE = new URL('../../../src/store/index.ts', import.meta.url).href;
const FIXTURE_MODULE = new URL('../../fixtures/store/session-script.ts', import.meta.url).href;

/** Events of the first advance from the root: what two racing callers would both try to append. */
const firstAdvance = () =>
  advanceEvents({
    runId: R,
    from: ROOT,
    to: 'node_b' as NodeId,
    attemptId: 'attempt_1' as AttemptId,
    atMs: 2000,
    notes: 'Did the plan.',
    state: pending('implement', 1),
  });

/**
 * Another process with a store of its own that appends the first advance of `sessionId` inside a transaction it keeps
 * open for `holdMs`. Resolves once that process holds the session's lock; `done` settles when it has committed.
 */
async function holdSessionLock(url: string, sessionId: string, holdMs: number) {
  const script = `
    import { openPostgresSessionStore } from ${JSON.stringify(STORE_MODULE)};
    import { advanceEvents, pending } from ${JSON.stringify(FIXTURE_MODULE)};
    const store = openPostgresSessionStore({ url: process.env.URL });
    const result = store.transaction(process.env.SESSION, (tx) => {
      const appended = tx.appendEvents(process.env.SESSION, advanceEvents({ runId: 'run_a', from: 'node_root',
        to: 'node_b', attemptId: 'attempt_1', atMs: 2000, notes: 'Did the plan.', state: pending('implement', 1) }));
      process.stdout.write('holding\\n');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(process.env.HOLD_MS));
      return appended.length;
    });
    store.close();
    process.stdout.write(JSON.stringify(result) + '\\n');`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, URL: url, SESSION: sessionId, HOLD_MS: String(holdMs) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const done = new Promise<string>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`holder exited ${code}: ${output}`))));
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('holding')) resolve();
    });
    done.catch(reject);
  });
  return { done };
}

function startSession(store: PostgresSessionStore, sessionId: SessionId = S, runId: RunId = R, root: NodeId = ROOT) {
  const result = store.transaction(sessionId, (tx) => {
    tx.pinWorkflow(compiledWorkflow());
    return tx.appendEvents(sessionId, startEvents({ sessionId, runId, rootNodeId: root, atMs: 1000, goal: 'g' }));
  });
  expect(result.ok).toBe(true);
}

describe('PostgreSQL session store: concurrency', () => {
  it('serialises two stores advancing the same session: the second waits, then sees the advance and adds nothing', async () => {
    const url = await freshDatabaseUrl();
    const store = open(url);
    try {
      startSession(store);
      const holder = await holdSessionLock(url, S, 600);
      const started = Date.now();
      const second = store.transaction(S, (tx) => ({
        already: tx.findAdvance(ROOT, 'attempt_1' as AttemptId) !== null,
        appended: tx.appendEvents(S, firstAdvance()),
      }));
      const waitedMs = Date.now() - started;
      expect(await holder.done).toContain('"ok":true');
      expect(waitedMs).toBeGreaterThan(200);
      expect(second).toEqual({ ok: true, value: { already: true, appended: [] } });
      const seqs = store.read((r) => r.listEvents(S).map((e) => e.seq));
      expect(seqs).toEqual([...Array(7 + firstAdvance().length).keys()]);
    } finally {
      store.close();
    }
  });

  it('does not make a write to another session wait', async () => {
    const url = await freshDatabaseUrl();
    const store = open(url);
    try {
      startSession(store);
      const holder = await holdSessionLock(url, S, 3000);
      const started = Date.now();
      startSession(store, 'sess_other' as SessionId, 'run_other' as RunId, 'node_other' as NodeId);
      expect(Date.now() - started).toBeLessThan(1500);
      await holder.done;
    } finally {
      store.close();
    }
  });

  it('returns session_locked when the session stays locked beyond the wait budget, and runs nothing', async () => {
    const url = await freshDatabaseUrl();
    const store = open(url, 200);
    try {
      startSession(store);
      const holder = await holdSessionLock(url, S, 1500);
      let ran = false;
      const result = store.transaction(S, () => {
        ran = true;
      });
      expect(result).toEqual({ ok: false, error: { kind: 'session_locked', sessionId: S, waitBudgetMs: 200 } });
      expect(ran).toBe(false);
      await holder.done;
      expect(store.transaction(S, () => 1)).toEqual({ ok: true, value: 1 });
    } finally {
      store.close();
    }
  });

  it('changes the change counter when another store commits, and not without commits', async () => {
    const url = await freshDatabaseUrl();
    const store = open(url);
    const other = open(url);
    try {
      const before = store.changeCounter();
      expect(store.changeCounter()).toBe(before);
      other.transaction(null, (tx) => tx.rememberRoot('/b', 2));
      expect(store.changeCounter()).toBeGreaterThan(before);
    } finally {
      other.close();
      store.close();
    }
  });
});

describe('PostgreSQL session store: connection', () => {
  it('connects again when the server dropped its connection between calls', async () => {
    const url = await freshDatabaseUrl();
    const store = open(url);
    try {
      startSession(store);
      const dropOthers = `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                          WHERE datname = current_database() AND pid <> pg_backend_pid()`;
      raw(url, (db) => db.querySync(dropOthers));
      expect(store.read((r) => r.listEvents(S))).toHaveLength(7);
      raw(url, (db) => db.querySync(dropOthers));
      expect(store.transaction(S, (tx) => tx.appendEvents(S, firstAdvance()).length)).toEqual({
        ok: true,
        value: firstAdvance().length,
      });
      raw(url, (db) => db.querySync(dropOthers));
      expect(typeof store.changeCounter()).toBe('number');
    } finally {
      store.close();
    }
  });
});

describe('PostgreSQL session store: schema', () => {
  it('applies the migrations once, even when processes open an empty database at the same moment', async () => {
    const url = await freshDatabaseUrl();
    const opener = `import { openPostgresSessionStore } from ${JSON.stringify(STORE_MODULE)};
      openPostgresSessionStore({ url: process.env.URL }).close();`;
    const openers = [1, 2, 3].map(
      () =>
        new Promise<number | null>((resolve) => {
          spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', opener], {
            env: { ...process.env, URL: url },
            stdio: 'inherit',
          }).on('exit', resolve);
        }),
    );
    expect(await Promise.all(openers)).toEqual([0, 0, 0]);
    const store = open(url);
    recordRealisticSession(store, 1, 10_000);
    store.close();
    const reopened = open(url);
    expect(reopened.schemaVersion()).toBe(1);
    expect(reopened.read((r) => r.listRecentSessions(10))).toHaveLength(1);
    reopened.close();
    expect(raw(url, (db) => db.querySync('SELECT version FROM schema_version'))).toEqual([{ version: 1 }]);
  });

  it('refuses a database written by a newer schema', async () => {
    const url = await freshDatabaseUrl();
    open(url).close();
    raw(url, (db) => db.querySync('UPDATE schema_version SET version = 99'));
    expect(() => open(url)).toThrow(/newer/);
  });

  it('rebuilds projection tables identical to the live ones, row for row', async () => {
    const url = await freshDatabaseUrl();
    const store = open(url);
    try {
      recordRealisticSession(store, 1, 10_000, { complete: true });
      recordRealisticSession(store, 2, 20_000, { goal: 'Repair checkout flow' });
      recordRealisticSession(store, 3, 30_000, { notes: '# Heading first\nthen body' });
      const live = dumpProjections(url);
      expect(live.sessions).toHaveLength(3);
      expect(store.rebuildProjections()).toEqual({ ok: true, value: undefined });
      expect(dumpProjections(url)).toEqual(live);
    } finally {
      store.close();
    }
  });

  it('names the missing server without its password', () => {
    expect(() => open('postgres://alice:s3cret@127.0.0.1:1/nowhere')).toThrow(/alice:\*\*\*@127\.0\.0\.1:1/);
    expect(() => open('postgres://alice:s3cret@127.0.0.1:1/nowhere')).not.toThrow(/s3cret/);
  });
});

const PROJECTIONS = [
  'sessions',
  'runs',
  'nodes',
  'edges',
  'contexts',
  'advances',
  'checkpoints',
  'outputs',
  'session_metrics',
];

/** Every projection row as sorted JSON lines (the table list is written out, so a table the rebuild forgets shows). */
function dumpProjections(url: string): Record<string, string[]> {
  return raw(url, (db) =>
    Object.fromEntries(
      PROJECTIONS.map((table) => [
        table,
        db
          .querySync(`SELECT * FROM ${table}`)
          .map((row) => JSON.stringify(row))
          .sort(),
      ]),
    ),
  );
}
