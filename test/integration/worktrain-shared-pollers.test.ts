// Polling triggers in the shared mode (docs/worktrain-several-machines.md): the item ledger and poll state are in
// PostgreSQL, so the instance that runs a session counts its item's attempt even when it is not the leader, and a
// new leader continues from the previous leader's ledger instead of dispatching the same item again.
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeForge, startFakeForge } from '../support/fake-forge.js';
import { freshDatabaseUrl } from '../support/postgres.js';
import { type ScriptedLlmServer, startScriptedLlmServer } from '../support/scripted-llm-server.js';
import { completeStep } from '../support/worktrain-harness.js';
import { sessions, sharedCluster, until } from '../support/worktrain-processes.js';

const cleanups: (() => unknown)[] = [];
let llm: ScriptedLlmServer | undefined;
let forge: FakeForge | undefined;

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await llm?.close();
  await forge?.close();
  llm = undefined;
  forge = undefined;
});

describe('polling triggers on several daemons', () => {
  it('counts attempts where the session ran and never dispatches an item again after a leader change', async () => {
    // The first conversation fails (a counted attempt); the next one succeeds.
    let conversations = 0;
    llm = await startScriptedLlmServer({
      script: (request) => {
        const first = (request.body.messages as { role: string }[]).every((m) => m.role !== 'assistant');
        if (first) conversations += 1;
        return conversations === 1 ? { status: 400 } : completeStep();
      },
    });
    forge = await startFakeForge();
    forge.github.seedIssue('acme/api', { title: 'Hard bug', labels: ['worktrain'] });
    const { databaseUrl, start } = sharedCluster(cleanups, {
      databaseUrl: await freshDatabaseUrl(),
      llmBaseUrl: llm.anthropicBaseUrl,
      triggers: {
        poller: [
          'provider: github_queue_poll',
          'source: { repo: acme/api, token: $FORGE_TOKEN, queueType: label, queueLabel: worktrain, pollIntervalSeconds: 10 }',
        ],
      },
      dotEnv: { FORGE_TOKEN: forge.token },
    });
    const env = { GITHUB_API_URL: forge.url, WORKTRAIN_LEASE_MS: '1500' };
    // The leader runs no session itself: every session runs on the other instance.
    const leader = await start({ maxSessions: 0, env });
    await until(async () => (leader.logs().includes('became leader') ? true : undefined), 'the first to lead');
    const runner = await start({ maxSessions: 2, env });
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    cleanups.push(() => db.end());
    const item = async () =>
      (
        await db.query<{ state: string; attempts: number }>(
          `SELECT state, attempts FROM worktrain_item_ledger WHERE trigger_id = 'poller' AND item_key = $1`,
          ['github:acme/api#1'],
        )
      ).rows[0];

    // The leader's first poll dispatches the item; the runner's session fails and counts the attempt.
    const failed = await until(async () => {
      const done = (await sessions(runner, 'poller', 50)).filter((s) => s.state === 'completed');
      return done.length === 1 ? done[0] : undefined;
    }, 'the first session to end');
    expect(failed?.outcome).toBe('error');
    expect(await item()).toEqual({ state: 'failed', attempts: 1 });
    // The leader sees the failed attempt and dispatches the item again at its next poll; this one succeeds.
    await until(async () => {
      const list = await sessions(leader, 'poller', 50);
      return list.length === 2 && list.every((s) => s.state === 'completed') ? true : undefined;
    }, 'the second session to end');
    expect(await item()).toEqual({ state: 'done', attempts: 1 });
    expect(runner.logs()).not.toContain('became leader');

    const polled = async () =>
      (await db.query<{ at: string }>(`SELECT last_poll_at AS at FROM worktrain_poll_state`)).rows[0]?.at;
    const before = await polled();
    await leader.kill();
    await until(async () => (runner.logs().includes('became leader') ? true : undefined), 'the runner to lead');
    // The new leader polls from the shared ledger: the item is done, so nothing is dispatched again.
    await until(async () => ((await polled()) !== before ? true : undefined), 'the new leader to poll', 30_000);
    expect((await sessions(runner, 'poller', 50)).map((s) => s.outcome).sort()).toEqual(['error', 'success']);
    expect(await item()).toEqual({ state: 'done', attempts: 1 });
    expect(runner.logs()).not.toContain('item ledger update failed');
  }, 120_000);
});
