import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionId } from '../../../src/engine/events.js';
import { copyStore } from '../../../src/store/copy-store.js';
import { openSqliteSessionStore, type SessionStore } from '../../../src/store/index.js';
import { counterIds, recordRealisticSession } from '../../fixtures/store/session-script.js';

const dirs: string[] = [];
const stores: SessionStore[] = [];

function sqliteStore(): SessionStore {
  const dir = mkdtempSync(join(tmpdir(), 'workrail-copy-'));
  dirs.push(dir);
  const store = openSqliteSessionStore({ path: join(dir, 'workrail.db'), newEventId: counterIds(dir.slice(-6)).event });
  stores.push(store);
  return store;
}

afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function seeded(): { store: SessionStore; sessions: ReturnType<typeof recordRealisticSession>[] } {
  const store = sqliteStore();
  const sessions = [1, 2, 3].map((n) => recordRealisticSession(store, n, n * 10_000, { complete: n === 1 }));
  const remembered = store.transaction(null, (tx) => tx.rememberRoot('/work/repo', 5));
  expect(remembered.ok).toBe(true);
  return { store, sessions };
}

describe('copyStore', () => {
  it('copies every session, token, pinned workflow and root, and verifies the copy', () => {
    const { store: source, sessions } = seeded();
    const target = sqliteStore();
    const result = copyStore(source, target);
    if (!result.ok) throw new Error(result.reason);
    const events = sessions.reduce((n, s) => n + source.read((r) => r.listEvents(s.sessionId)).length, 0);
    const roots = source.read((r) => r.listRoots()).length;
    expect(roots).toBeGreaterThan(1);
    expect(result.report).toMatchObject({ sessions: 3, copied: 3, events, workflows: 1, roots });
    expect(result.report.tokens).toBeGreaterThan(3);
    const s = sessions[0]!;
    const read = (store: SessionStore) =>
      store.read((r) => ({
        load: r.loadSession(s.sessionId),
        token: r.findToken(s.token('st', 'blk')),
        search: r.searchSessions('login', 5),
        roots: r.listRoots(),
      }));
    expect(read(target)).toEqual(read(source));
  });

  it('skips sessions already copied, so an interrupted migration can run again', () => {
    const { store: source } = seeded();
    const target = sqliteStore();
    const first = copyStore(source, target);
    const again = copyStore(source, target);
    expect(first.ok && again.ok).toBe(true);
    if (!first.ok || !again.ok) return;
    expect(again.report.copied).toBe(0);
    expect(again.report.digest).toBe(first.report.digest);
  });

  it('refuses a target that holds one of the sessions with different contents', () => {
    const { store: source } = seeded();
    const target = sqliteStore();
    recordRealisticSession(target, 2, 99_000, { goal: 'Something else' });
    const result = copyStore(source, target);
    expect(result).toEqual({
      ok: false,
      sessionId: 'sess_real2' as SessionId,
      reason: 'the target already holds this session with different contents',
    });
  });
});
