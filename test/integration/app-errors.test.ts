import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { checkpointWorkflow } from '../../src/app/checkpoint-workflow.js';
import { continueWorkflow } from '../../src/app/continue-workflow.js';
import { startWorkflow } from '../../src/app/start-workflow.js';
import { dataPath } from '../../src/store/sqlite/data-dictionary.js';
import { mintToken } from '../../src/tokens/index.js';
import { asStep, expectErr, expectOk, SIMPLE_WORKFLOW, testApp, workspaceWith } from './app-helpers.js';

function started(options: { lockWaitMs?: number } = {}) {
  const t = testApp(options);
  const ws = workspaceWith(SIMPLE_WORKFLOW);
  const response = asStep(expectOk(startWorkflow(t.app, { workflowId: 'acme.simple', workspacePath: ws, goal: 'g' })));
  const record = t.app.store.read((r) => r.findToken(response.continueToken!))!;
  return { ...t, ws, response, record, dbPath: path.join(t.home, 'data', 'workrail.db') };
}

describe('token errors, in the order of mcp-protocol §3', () => {
  it('answers TOKEN_INVALID_FORMAT for a string that is not a token', () => {
    const { app } = started();
    expectErr(continueWorkflow(app, { continueToken: 'ct_short' }), 'TOKEN_INVALID_FORMAT');
    expectErr(checkpointWorkflow(app, { checkpointToken: 'nonsense' }), 'TOKEN_INVALID_FORMAT');
  });

  it('answers TOKEN_UNSUPPORTED_VERSION for a WorkRail 3.x token', () => {
    const { app } = started();
    expectErr(continueWorkflow(app, { continueToken: 'st1qwertyuiopasdfghjkl' }), 'TOKEN_UNSUPPORTED_VERSION');
  });

  it('answers TOKEN_BAD_SIGNATURE for a well-formed token signed with another key, before any lookup', () => {
    const { app } = started();
    const foreign = mintToken('continue', { current: randomBytes(32), previous: null }, (n) => randomBytes(n));
    expectErr(continueWorkflow(app, { continueToken: foreign, notes: 'x' }), 'TOKEN_BAD_SIGNATURE');
  });

  it('answers TOKEN_UNKNOWN_NODE for an authentic token the store has no record of, before the scope check', () => {
    const { app } = started();
    const unknownCheckpoint = mintToken('checkpoint', app.keyring, (n) => randomBytes(n));
    expectErr(continueWorkflow(app, { continueToken: unknownCheckpoint, notes: 'x' }), 'TOKEN_UNKNOWN_NODE');
  });

  it('answers TOKEN_SCOPE_MISMATCH for a ck_ to continue, an st_ to advance and a ct_ to checkpoint', () => {
    const { app, response } = started();
    expectErr(continueWorkflow(app, { continueToken: response.checkpointToken!, notes: 'x' }), 'TOKEN_SCOPE_MISMATCH');
    expectErr(continueWorkflow(app, { continueToken: response.checkpointToken! }), 'TOKEN_SCOPE_MISMATCH');
    const checkpoint = expectOk(checkpointWorkflow(app, { checkpointToken: response.checkpointToken! }));
    const advanceWithState = continueWorkflow(app, { continueToken: checkpoint.resumeToken, notes: 'x' });
    expectErr(advanceWithState, 'TOKEN_SCOPE_MISMATCH');
    expectErr(checkpointWorkflow(app, { checkpointToken: response.continueToken! }), 'TOKEN_SCOPE_MISMATCH');
  });

  it('answers TOKEN_WORKFLOW_HASH_MISMATCH when the token record names another workflow hash, after the scope check', () => {
    const { app, record } = started();
    const stale = mintToken('continue', app.keyring, (n) => randomBytes(n));
    const staleState = mintToken('state', app.keyring, (n) => randomBytes(n));
    app.store.transaction(record.sessionId, (tx) => {
      tx.insertToken({ ...record, token: stale, workflowHash: 'sha256:0000' });
      tx.insertToken({ ...record, token: staleState, kind: 'state', attemptId: null, workflowHash: 'sha256:0000' });
    });
    const error = expectErr(
      continueWorkflow(app, { continueToken: stale, notes: 'x' }),
      'TOKEN_WORKFLOW_HASH_MISMATCH',
    );
    expect(error.details).toMatchObject({ tokenWorkflowHash: 'sha256:0000' });
    expectErr(continueWorkflow(app, { continueToken: staleState, notes: 'x' }), 'TOKEN_SCOPE_MISMATCH');
  });

  it('answers TOKEN_SESSION_LOCKED, retryable after 1000 ms, when the session stays busy beyond the wait budget', () => {
    const { app, response, dbPath } = started({ lockWaitMs: 50 });
    const other = new Database(dbPath);
    other.exec('BEGIN IMMEDIATE');
    try {
      const error = expectErr(
        continueWorkflow(app, { continueToken: response.continueToken!, notes: 'x' }),
        'TOKEN_SESSION_LOCKED',
      );
      expect(error.retry).toEqual({ kind: 'retryable_after_ms', afterMs: 1000 });
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(expectOk(continueWorkflow(app, { continueToken: response.continueToken!, notes: 'x' })).kind).toBe('ok');
  });

  it('answers SESSION_NOT_HEALTHY with details.health when a stored row is corrupted, leaving other sessions usable', () => {
    const { app, response, record, dbPath, ws } = started();
    const healthy = asStep(
      expectOk(startWorkflow(app, { workflowId: 'acme.simple', workspacePath: ws, goal: 'other' })),
    );
    const db = new Database(dbPath);
    // A node's state lives in its node_created event (schema 5).
    db.prepare(SET_NODE_STATE).run({ state: '{"broken":true}', nodeId: record.nodeId });
    db.close();
    const error = expectErr(
      continueWorkflow(app, { continueToken: response.continueToken!, notes: 'x' }),
      'SESSION_NOT_HEALTHY',
    );
    expect(error.details?.health).toMatchObject({ kind: 'missing_node_state' });
    expectErr(checkpointWorkflow(app, { checkpointToken: response.checkpointToken! }), 'SESSION_NOT_HEALTHY');
    expect(expectOk(continueWorkflow(app, { continueToken: healthy.continueToken!, notes: 'x' })).kind).toBe('ok');
  });
});

describe('continue_workflow input rules', () => {
  it('rejects an alias sent together with its canonical field', () => {
    const { app, response } = started();
    const error = expectErr(
      continueWorkflow(app, { continueToken: response.continueToken!, notes: 'a', output: { notesMarkdown: 'b' } }),
      'VALIDATION_ERROR',
    );
    expect(error.details?.validationErrors).toEqual([{ path: 'notes', message: expect.stringContaining('alias') }]);
    expectErr(
      continueWorkflow(app, { continueToken: response.continueToken!, context: {}, contextVariables: {} }),
      'VALIDATION_ERROR',
    );
  });

  it('rejects rehydrate with output', () => {
    const { app, response } = started();
    const error = expectErr(
      continueWorkflow(app, { continueToken: response.continueToken!, intent: 'rehydrate', notes: 'x' }),
      'VALIDATION_ERROR',
    );
    expect(error.details?.validationErrors).toEqual([{ path: 'intent', message: expect.any(String) }]);
  });

  it('names the closest known key for an unknown one and includes a correct template', () => {
    const { app, response } = started();
    const input = { continueToken: response.continueToken!, note: 'typo' } as never;
    const error = expectErr(continueWorkflow(app, input), 'VALIDATION_ERROR');
    expect(error.details).toMatchObject({
      validationErrors: [{ path: 'note' }],
      suggestions: [{ kind: 'unknown_key', key: 'note', didYouMean: 'notes' }],
      correctTemplate: { continueToken: 'ct_…', output: { notesMarkdown: expect.any(String) } },
    });
    const nested = expectErr(
      continueWorkflow(app, { continueToken: response.continueToken!, output: { notes: 'x' } as never }),
      'VALIDATION_ERROR',
    );
    expect(nested.details?.suggestions).toEqual([{ kind: 'unknown_key', key: 'notes', didYouMean: 'notesMarkdown' }]);
  });

  it('reports a missing continueToken with an example', () => {
    const { app } = started();
    const error = expectErr(continueWorkflow(app, {} as never), 'VALIDATION_ERROR');
    expect(error.details?.suggestions).toEqual([{ kind: 'missing_required', key: 'continueToken', example: 'ct_…' }]);
  });

  it('rejects notes over 64 KiB with the measured size', () => {
    const { app, response } = started();
    const error = expectErr(
      continueWorkflow(app, { continueToken: response.continueToken!, notes: 'é'.repeat(40_000) }),
      'VALIDATION_ERROR',
    );
    expect(error.details).toMatchObject({ measuredBytes: 80_000, maxBytes: 65_536 });
  });

  it('rejects more than 20 artifacts, an artifact without a string kind, and artifacts over 256 KiB', () => {
    const { app, response } = started();
    const token = response.continueToken!;
    const many = Array.from({ length: 21 }, () => ({ kind: 'x' }));
    expectErr(continueWorkflow(app, { continueToken: token, artifacts: many }), 'VALIDATION_ERROR');
    const kindless = expectErr(
      continueWorkflow(app, { continueToken: token, output: { artifacts: [{ a: 1 }] } }),
      'VALIDATION_ERROR',
    );
    expect(kindless.details?.validationErrors).toEqual([
      { path: 'output.artifacts[0].kind', message: expect.any(String) },
    ]);
    const big = [{ kind: 'blob', text: 'x'.repeat(300 * 1024) }];
    const sized = expectErr(continueWorkflow(app, { continueToken: token, artifacts: big }), 'VALIDATION_ERROR');
    expect(sized.details).toMatchObject({ maxBytes: 262_144 });
  });

  it('rejects a context delta nested deeper than 64 levels with context_too_deep', () => {
    const { app, response } = started();
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 70; i++) deep = { d: deep };
    const error = expectErr(
      continueWorkflow(app, { continueToken: response.continueToken!, context: deep }),
      'VALIDATION_ERROR',
    );
    expect(error.details).toMatchObject({ kind: 'context_too_deep' });
  });

  it('infers advance from context alone and rehydrate from a bare token', () => {
    const { app, response } = started();
    const rehydrated = asStep(expectOk(continueWorkflow(app, { continueToken: response.continueToken! })));
    expect(rehydrated.nextIntent).toBe('rehydrate_only');
    const advanced = asStep(
      expectOk(continueWorkflow(app, { continueToken: response.continueToken!, context: { a: 1 } })),
    );
    expect(advanced.kind).toBe('blocked');
  });
});

/** Replaces the state recorded in a node's node_created event with the JSON text (or plain text) `@state`. */
const SET_NODE_STATE = `UPDATE events SET data = json_set(data, '${dataPath('state')}', CASE WHEN json_valid(@state) THEN json(@state) ELSE @state END)
  WHERE json_valid(data) AND json_extract(data, '${dataPath('nodeId')}') = @nodeId AND json_type(data, '${dataPath('state')}') IS NOT NULL`;
