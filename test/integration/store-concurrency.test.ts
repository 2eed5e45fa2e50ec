// Two processes on one database file (docs/mcp-protocol.md §9): a writer waits for another's transaction instead
// of failing, gives up with SessionLocked only past its budget, and a process killed mid-transaction leaves nothing.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionId } from '../../src/engine/events.js';
import { openSqliteSessionStore, type SqliteSessionStore } from '../../src/store/index.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite/migrate.js';
import { counterIds, recordRealisticSession } from '../fixtures/store/session-script.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const children: ChildProcessWithoutNullStreams[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function tempStore(lockWaitMs?: number): { path: string; store: SqliteSessionStore } {
  const path = join(mkdtempSync(join(tmpdir(), 'workrail-lock-')), 'workrail.db');
  return { path, store: openSqliteSessionStore({ path, newEventId: counterIds().event, lockWaitMs }) };
}

/**
 * Starts a process that takes the write lock on `path`, runs `sql`, prints "locked", then commits after `holdMs`
 * (or never, when holdMs is null, until it is killed).
 */
function holdLock(path: string, sql: string, holdMs: number | null): Promise<ChildProcessWithoutNullStreams> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(${JSON.stringify(path)});
    db.exec('BEGIN IMMEDIATE');
    db.exec(${JSON.stringify(sql)});
    process.stdout.write('locked\\n');
    const hold = ${holdMs === null ? 'null' : holdMs};
    if (hold === null) { setInterval(() => {}, 1000); }
    else { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, hold); db.exec('COMMIT'); db.close(); }`;
  const child = spawn(process.execPath, ['-e', script], { cwd: repoRoot });
  children.push(child);
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('locked')) resolve(child);
    });
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`lock holder exited ${code}: ${err}`));
    });
  });
}

const exited = (child: ChildProcessWithoutNullStreams) =>
  new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.on('exit', () => resolve())));

const storeModule = fileURLToPath(new URL('../../src/store/index.ts', import.meta.url));

function openInChild(path: string): Promise<string> {
  const script = `
    const { openSqliteSessionStore } = await import(${JSON.stringify(storeModule)});
    const store = openSqliteSessionStore({ path: ${JSON.stringify(path)}, newEventId: () => 'evt_x' });
    store.transaction(null, (tx) => tx.rememberRoot('/root/' + process.pid, 1));
    process.stdout.write(JSON.stringify(store.settings()));
    store.close();`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(err))));
  });
}

describe('SQLite store across processes', () => {
  it('several processes opening a new database at once migrate it exactly once and all work', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'workrail-open-')), 'data', 'workrail.db');
    const outputs = await Promise.all(Array.from({ length: 5 }, () => openInChild(path)));
    for (const out of outputs)
      expect(JSON.parse(out)).toMatchObject({ journalMode: 'wal', schemaVersion: SCHEMA_VERSION });
    const store = openSqliteSessionStore({ path, newEventId: counterIds().event });
    expect(store.read((r) => r.listRoots())).toHaveLength(5);
    store.close();
  });

  it('a second writer waits for the first transaction to commit instead of failing', async () => {
    const { path, store } = tempStore(20_000);
    await holdLock(path, "INSERT INTO roots (path, last_seen_ms) VALUES ('/from/other/process', 7)", 300);
    const result = store.transaction('sess_x' as SessionId, (tx) => tx.listRoots());
    expect(result).toEqual({ ok: true, value: [{ path: '/from/other/process', lastSeenMs: 7 }] });
    store.close();
  });

  it('gives up with session_locked, running nothing, when the lock outlasts the budget', async () => {
    const { path, store } = tempStore(100);
    const holder = await holdLock(path, 'SELECT 1', null);
    let ran = false;
    const result = store.transaction('sess_x' as SessionId, () => {
      ran = true;
    });
    expect(result).toEqual({ ok: false, error: { kind: 'session_locked', sessionId: 'sess_x', waitBudgetMs: 100 } });
    expect(ran).toBe(false);
    holder.kill('SIGKILL');
    await exited(holder);
    expect(store.transaction(null, () => 'free again')).toEqual({ ok: true, value: 'free again' });
    store.close();
  });

  it('reads do not wait for another process holding the write lock', async () => {
    const { path, store } = tempStore(100);
    const s = recordRealisticSession(store, 1, 10_000);
    const holder = await holdLock(path, 'DELETE FROM roots', null);
    expect(store.read((r) => r.loadSession(s.sessionId)).kind).toBe('ok');
    expect(store.read((r) => r.listRoots())).toHaveLength(1);
    holder.kill('SIGKILL');
    await exited(holder);
    store.close();
  });

  it('a process killed in the middle of a transaction leaves the session exactly as before', async () => {
    const { path, store } = tempStore();
    const s = recordRealisticSession(store, 1, 10_000);
    const before = store.read((r) => ({ load: r.loadSession(s.sessionId), events: r.listEvents(s.sessionId) }));
    const sql = `
      INSERT INTO events (id, kind, envelope, at_ms, data)
        SELECT (sk << 32) | 1000, 10, '{"e":"evt_half","k":"half"}', 1, '{}' FROM session_keys;
      UPDATE sessions SET last_seq = 1000;
      DELETE FROM token_records;`;
    const holder = await holdLock(path, sql, null);
    holder.kill('SIGKILL');
    await exited(holder);
    const after = store.read((r) => ({ load: r.loadSession(s.sessionId), events: r.listEvents(s.sessionId) }));
    expect(after).toEqual(before);
    expect(store.read((r) => r.findToken(s.token('ct', 'b')))).not.toBeNull();
    store.close();
  });
});
