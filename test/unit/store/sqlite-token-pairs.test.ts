// SQLite schema 17: the ct_/ck_ pair of an attempt shares one nonce and one token row; lookups stay per token string.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { AttemptId, NodeId } from '../../../src/engine/events.js';
import { openSqliteSessionStore, type SessionTx, type TokenRecord } from '../../../src/store/index.js';
import { advanceEvents, pending, recordRealisticSession } from '../../fixtures/store/session-script.js';

const NONCE = 'PairNonce0123456';

function setUp() {
  const path = join(mkdtempSync(join(tmpdir(), 'workrail-pairs-')), 'workrail.db');
  const store = openSqliteSessionStore({ path });
  const s = recordRealisticSession(store, 1, 10_000);
  const pair = (nodeId: NodeId, attemptId: string, createdAtMs: number) => {
    const base = { sessionId: s.sessionId, runId: s.runId, nodeId, attemptId: attemptId as AttemptId, createdAtMs };
    const workflowHash = store.read((r) => r.findToken(s.token('ct', 'b'))!.workflowHash);
    return {
      ct: { ...base, workflowHash, token: `ct_${NONCE}ctTag000`, kind: 'continue' } as TokenRecord,
      ck: { ...base, workflowHash, token: `ck_${NONCE}ckTag000`, kind: 'checkpoint' } as TokenRecord,
    };
  };
  const inTx = (fn: (tx: SessionTx) => void) => {
    const result = store.transaction(s.sessionId, fn);
    if (!result.ok) throw new Error('locked');
  };
  const rowCount = () => {
    const db = new Database(path, { readonly: true });
    try {
      return db.prepare('SELECT count(*) FROM token_records').pluck().get() as number;
    } finally {
      db.close();
    }
  };
  return { store, s, pair, inTx, rowCount };
}

describe('SQLite token pairs (schema 17)', () => {
  it('stores a pair over one nonce in one row and finds each token by its string and by (kind, node, attempt)', () => {
    const { store, s, pair, inTx, rowCount } = setUp();
    const { ct, ck } = pair(s.node('n2'), 'attempt_pair', 13_000);
    const rows = rowCount();
    inTx((tx) => {
      tx.insertToken(ct);
      tx.insertToken(ck);
    });
    expect(rowCount()).toBe(rows + 1);
    store.read((r) => {
      expect(r.findToken(ct.token)).toEqual(ct);
      expect(r.findToken(ck.token)).toEqual(ck);
      expect(r.findTokenFor('continue', ct.nodeId, ct.attemptId)).toBe(ct.token);
      expect(r.findTokenFor('checkpoint', ck.nodeId, ck.attemptId)).toBe(ck.token);
      expect(r.locateToken(ck.token)).toEqual({ sessionId: s.sessionId, workspacePath: expect.any(String) });
      // Each tag belongs to its own kind only.
      expect(r.findToken(`ck_${NONCE}ctTag000`)).toBeNull();
      expect(r.findToken(`st_${NONCE}ckTag000`)).toBeNull();
      expect(r.locateToken(`ct_${NONCE}ckTag000`)).toBeNull();
      expect(r.listTokens(s.sessionId)).toEqual(expect.arrayContaining([ct, ck]));
    });
    store.close();
  });

  it.each([
    ['the same token again', (ct: TokenRecord) => ct],
    ['the other kind for another attempt', (ct: TokenRecord) => ({ ...ct, ...kindCk(ct), attemptId: 'attempt_x' })],
    ['the other kind at another time', (ct: TokenRecord) => ({ ...ct, ...kindCk(ct), createdAtMs: 1 })],
    ['a ck_ token recorded as a continue token', (ct: TokenRecord) => ({ ...ct, token: `ck_${NONCE}zzzzzzzz` })],
  ])('refuses %s over a stored nonce', (_name, variant) => {
    const { store, s, pair, inTx } = setUp();
    const { ct } = pair(s.node('n2'), 'attempt_pair', 13_000);
    inTx((tx) => tx.insertToken(ct));
    expect(() => inTx((tx) => tx.insertToken(variant(ct) as TokenRecord))).toThrow();
    expect(store.read((r) => r.findToken(ct.token))).toEqual(ct);
    store.close();
  });

  it('keeps a pair minted before its node exists, and points it at the node once appended', () => {
    const { store, s, pair, inTx } = setUp();
    const { ct, ck } = pair('node_1_later' as NodeId, 'attempt_pair', 13_000);
    inTx((tx) => {
      tx.insertToken(ct);
      tx.insertToken(ck);
      expect(tx.findToken(ck.token)).toEqual(ck);
      tx.appendEvents(
        s.sessionId,
        advanceEvents({
          runId: s.runId,
          from: s.node('n2'),
          to: ct.nodeId,
          attemptId: s.attempt('later'),
          atMs: 13_000,
          notes: 'Later.',
          state: pending('verify', 3),
        }),
      );
    });
    store.read((r) => {
      expect(r.findToken(ct.token)).toEqual(ct);
      expect(r.findToken(ck.token)).toEqual(ck);
      expect(r.findTokenFor('checkpoint', ct.nodeId, ct.attemptId)).toBe(ck.token);
    });
    store.close();
  });

  it('gives back tokens whose body is not 24 characters exactly', () => {
    const { store, s, pair, inTx } = setUp();
    const { ct } = pair(s.node('n2'), 'attempt_short', 13_000);
    const short = { ...ct, token: 'ct_short' } as TokenRecord;
    const long = { ...ct, token: `ct_${'x'.repeat(30)}`, attemptId: 'attempt_long' as AttemptId } as TokenRecord;
    inTx((tx) => {
      tx.insertToken(short);
      tx.insertToken(long);
    });
    store.read((r) => {
      expect(r.findToken('ct_short')).toEqual(short);
      expect(r.findToken(long.token)).toEqual(long);
      expect(r.findTokenFor('continue', long.nodeId, long.attemptId)).toBe(long.token);
      expect(r.findToken('ct_shor')).toBeNull();
      expect(r.findToken('nonsense')).toBeNull();
    });
    store.close();
  });
});

function kindCk(ct: TokenRecord): Pick<TokenRecord, 'token' | 'kind'> {
  return { token: `ck_${ct.token.slice(3, 19)}ckTag000` as TokenRecord['token'], kind: 'checkpoint' };
}
