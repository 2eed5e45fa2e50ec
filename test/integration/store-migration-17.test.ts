// Schema 17 keeps one token row per nonce (a step's ct_/ck_ pair shares one). A schema-16 database, with a row per
// token string, migrates on open: its sessions read back event for event, every token resolves to the same record,
// search and the projections are unchanged, and its tokens replay byte-identically and advance.
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { AttemptId, NodeId, SessionId } from '../../src/engine/events.js';
import { openSqliteSessionStore } from '../../src/store/index.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite/migrate.js';
import { mintToken, type Token } from '../../src/tokens/index.js';
import { readThroughStore as readSession, rebuiltProjections, rowsOf } from '../support/migration-reads.js';
import { stepBackSchema } from '../support/schema-downgrades.js';
import { expectFlowContinues, recordMigrationFlow } from './migration-flow.js';

const FTS_PROBES = ['ship', 'planned', 'migration'];

describe('SQLite schema migration 17 (token pairs)', () => {
  it('keeps the events, tokens, search and projections of a schema-16 database; its tokens replay and advance', () => {
    const flow = recordMigrationFlow();
    const { first, advanced, path } = flow;
    const record = first.app.store.read((r) => r.findToken(advanced.continueToken!))!;
    // Tokens as schema 16 minted them (a pair over two nonces, at another time than the node's), and one whose node
    // the store does not hold.
    const mint = (kind: 'continue' | 'checkpoint') => mintToken(kind, first.app.keyring, (n) => randomBytes(n));
    const oldPair = { attemptId: 'attempt_oldpairoldpairoldpai' as AttemptId, createdAtMs: record.createdAtMs + 5 };
    const extra = [
      { ...record, ...oldPair, token: mint('continue'), kind: 'continue' as const },
      { ...record, ...oldPair, token: mint('checkpoint'), kind: 'checkpoint' as const },
      { ...record, token: mint('continue'), nodeId: 'node_notheldnotheldnoth' as NodeId },
    ];
    first.app.store.transaction(record.sessionId, (tx) => {
      for (const token of extra) tx.insertToken(token);
    });
    first.app.close();
    const sessionId = record.sessionId;
    const before = readThroughStore(path, sessionId);
    expect(before.tokens.map((t) => t.token)).toEqual(expect.arrayContaining(extra.map((t) => t.token)));
    expect(before.tokens).toHaveLength(8);
    expect(before.lookups.flatMap((l) => l.swapped)).toEqual(Array(16).fill(null));

    stepBackSchema(path, 16);
    const db = new Database(path);
    expect(db.prepare('SELECT count(*) FROM token_records').pluck().get()).toBe(8);
    db.close();

    const store = openSqliteSessionStore({ path });
    expect(store.settings().schemaVersion).toBe(SCHEMA_VERSION);
    store.close();
    // The step pairs (start, advance) share their rows; the st_, the old pair and the unheld token keep one each.
    expect(rowsOf(path, 'SELECT count(*) AS n FROM token_records')).toEqual(['{"n":6}']);
    const after = readThroughStore(path, sessionId);
    // The log byte for byte, outputs, session, search, projections, tokens, every token lookup and the tokens view.
    expect(after).toEqual(before);

    expect(rebuiltProjections(path, FTS_PROBES)).toEqual(before.projections);

    const { second, next } = expectFlowContinues(flow);
    // The new step's pair went into one row.
    const nextRecord = second.app.store.read((r) => r.findToken(next.checkpointToken!));
    expect(nextRecord).toMatchObject({
      kind: 'checkpoint',
      nodeId: second.app.store.read((r) => r.findToken(next.continueToken!))?.nodeId,
    });
    expect(rowsOf(path, 'SELECT count(*) AS n FROM token_records')).toEqual(['{"n":7}']);
  });
});

/** What the store returns for a session (log, outputs, graph, search, tokens), and the projection tables. */
function readThroughStore(path: string, sessionId: SessionId) {
  const read = readSession(path, sessionId, FTS_PROBES);
  const store = openSqliteSessionStore({ path });
  try {
    return store.read((r) => {
      const tokens = read.tokens;
      return {
        ...read,
        // Every token by string, by (kind, node, attempt) and by its session's workspace.
        lookups: tokens.map((t) => ({
          found: r.findToken(t.token),
          located: r.locateToken(t.token),
          forNode: r.findTokenFor(t.kind, t.nodeId, t.attemptId),
          // Its tag under the other kinds' prefixes resolves to nothing.
          swapped: (['ct_', 'ck_', 'st_'] as const)
            .filter((prefix) => !t.token.startsWith(prefix))
            .map((prefix) => r.findToken(`${prefix}${t.token.slice(3)}` as Token)),
        })),
        tokensView: rowsOf(path, 'SELECT * FROM tokens'),
      };
    });
  } finally {
    store.close();
  }
}
