import { afterEach, describe, expect, it } from 'vitest';
import type { Dispatch } from '../../../src/daemon/dispatch.js';
import type { DaemonSession } from '../../../src/daemon/sessions.js';
import { type DaemonDb, openDaemonDb } from '../../../src/daemon/state/daemon-db.js';
import { createSidecarStore, reattachSecrets, type Sidecar } from '../../../src/daemon/state/sidecars.js';
import { tempDir } from '../../support/worktrain-harness.js';

const cleanups: (() => unknown)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function session(id: string, state: DaemonSession['state'] = 'queued'): DaemonSession {
  return {
    sessionId: id,
    workrailSessionId: null,
    triggerId: 'fix-issue',
    workflowId: 'acme.wt-fixture',
    goal: 'Fix it',
    workspacePath: '/ws',
    worktreePath: null,
    branch: null,
    state,
    outcome: null,
    detail: null,
    queuedAt: '2025-06-01T12:00:00.000Z',
    startedAt: null,
    endedAt: null,
    turns: 0,
    stepAdvances: 0,
    currentStepId: null,
    resumeCount: 0,
    provider: 'anthropic',
    model: 'claude-sonnet-4-6',
    tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    delivery: { status: 'none', stage: null, prUrl: null, commitShas: [], error: null },
    live: { activity: 'thinking', toolName: null, currentStepTitle: 'x' },
    result: { finalNotes: null, artifacts: [], signals: [], issues: [] },
  };
}

function dispatch(id: string): Dispatch {
  const agent = {
    provider: 'anthropic' as const,
    model: 'claude-sonnet-4-6',
    baseUrl: undefined,
    apiKey: 'sk-ant-secret-key-123',
    maxSessionMinutes: 60,
    maxTurns: 200,
    stallTimeoutSeconds: 120,
    maxOutputTokens: 8192,
    stuckAbortPolicy: 'abort' as const,
    noProgressAbort: false,
  };
  return {
    sessionId: id,
    triggerId: 'fix-issue',
    source: 'webhook',
    workflowId: 'acme.wt-fixture',
    goal: 'Fix it',
    workspacePath: '/ws',
    context: { is_autonomous: 'true' },
    agent,
    referenceUrls: [],
    soulFile: undefined,
    concurrency: 1,
    maxQueueDepth: 10,
    dedupeKey: null,
    trigger: {
      id: 'fix-issue',
      hmacSecret: 'whsec-very-secret',
      agent,
      forge: { kind: 'github', token: 'ghp_forgetokenforgetoken' },
      branchStrategy: 'worktree',
    } as unknown as NonNullable<Dispatch['trigger']>,
  };
}

function sidecar(id: string): Sidecar {
  return {
    dispatch: dispatch(id),
    mode: { kind: 'start' },
    continueToken: 'ct_abc',
    checkpointToken: 'ck_abc',
    baseBranch: 'main',
    lastActivityAt: 1000,
    gate: null,
    delivery: null,
  };
}

function fileDb(): { dir: string; open: () => DaemonDb } {
  const dir = tempDir(cleanups, 'worktrain-sidecars-');
  return {
    dir,
    open: () => {
      const db = openDaemonDb(dir);
      cleanups.push(() => db.close());
      return db;
    },
  };
}

describe('daemon session records and sidecars in daemon.db', () => {
  it('reloads records and sidecars after reopening, in acceptance order, updates keeping that order', () => {
    const { open } = fileDb();
    const first = createSidecarStore(open());
    first.save(session('b'), sidecar('b'));
    first.save(session('a'), sidecar('a'));
    first.save(session('c'), sidecar('c'));
    first.save({ ...session('b', 'running'), stepAdvances: 1 }, { ...sidecar('b'), continueToken: 'ct_next' });

    const loaded = createSidecarStore(open()).loadAll();
    expect(loaded.map((s) => s.session.sessionId)).toEqual(['b', 'a', 'c']);
    expect(loaded[0]?.session).toMatchObject({ state: 'running', stepAdvances: 1, live: null });
    expect(loaded[0]?.sidecar).toMatchObject({ continueToken: 'ct_next', baseBranch: 'main', mode: { kind: 'start' } });
  });

  it('never stores API keys, HMAC secrets or forge tokens, and puts them back from the live trigger', () => {
    const { open } = fileDb();
    const db = open();
    const store = createSidecarStore(db);
    store.save(session('a'), sidecar('a'));
    const raw = JSON.stringify(db.prepare('SELECT * FROM daemon_sessions').all());
    expect(raw).not.toContain('sk-ant-secret-key-123');
    expect(raw).not.toContain('whsec-very-secret');
    expect(raw).not.toContain('ghp_forgetokenforgetoken');

    const stored = store.loadAll()[0]?.sidecar?.dispatch as Dispatch;
    const live = dispatch('a').trigger as NonNullable<Dispatch['trigger']>;
    const back = reattachSecrets(stored, { triggers: [live] }, {});
    expect(back.agent.apiKey).toBe('sk-ant-secret-key-123');
    expect(back.trigger?.forge.token).toBe('ghp_forgetokenforgetoken');
    expect(reattachSecrets(stored, { triggers: [] }, { ANTHROPIC_API_KEY: 'sk-env-key' }).agent.apiKey).toBe(
      'sk-env-key',
    );
  });

  it('clears the sidecar at delete_sidecar and keeps the record', () => {
    const store = createSidecarStore(openDaemonDb(':memory:'));
    store.save(session('a', 'completed'), sidecar('a'));
    store.clearSidecar('a');
    store.save({ ...session('a', 'completed'), outcome: 'success' });
    expect(store.loadAll()).toEqual([
      { session: expect.objectContaining({ sessionId: 'a', outcome: 'success' }), sidecar: null },
    ]);
  });

  it('keeps the kill-switch pause (all, or per trigger) until lifted', () => {
    const { open } = fileDb();
    createSidecarStore(open()).savePause({ dispatchPaused: true, pausedTriggers: ['nightly'] });
    const reopened = createSidecarStore(open());
    expect(reopened.loadPause()).toEqual({ dispatchPaused: true, pausedTriggers: ['nightly'] });
    reopened.savePause({ dispatchPaused: false, pausedTriggers: [] });
    expect(createSidecarStore(open()).loadPause()).toEqual({ dispatchPaused: false, pausedTriggers: [] });
  });
});
