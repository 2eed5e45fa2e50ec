// Several daemons sharing one PostgreSQL (docs/worktrain-several-machines.md): two `worktrain daemon run` processes
// with their own WORKRAIL_HOME and the same WORKRAIL_DATABASE_URL (dispatch queue, daemon records and the WorkRail
// session store), and the same WORKRAIL_DATA_DIR (one token keyring, and one event log the tests count in), driven by
// one scripted LLM server. Webhooks go to both; every session runs exactly once.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { DaemonSession } from '../../src/daemon/sessions.js';
import { git, gitRemoteWorkspace } from '../support/git-remote.js';
import { freshDatabaseUrl } from '../support/postgres.js';
import { type ScriptedLlmServer, type SeenRequest, startScriptedLlmServer } from '../support/scripted-llm-server.js';
import { completeStep } from '../support/worktrain-harness.js';
import { type Daemon, record, sessions, sharedCluster, until, webhookTrigger } from '../support/worktrain-processes.js';

const cleanups: (() => unknown)[] = [];
let llm: ScriptedLlmServer | undefined;

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await llm?.close();
  llm = undefined;
});

/** Two triggers: `fix` (webhook, `fixExtra` lines added) and the monthly schedule `nightly`; leases of 2 s. */
async function cluster(
  llmBaseUrl: string,
  maxSessions: number,
  options: { workspace?: string; fixExtra?: string[] } = {},
): Promise<{ readonly databaseUrl: string; readonly dataDir: string; start(): Promise<Daemon> }> {
  const shared = sharedCluster(cleanups, {
    databaseUrl: await freshDatabaseUrl(),
    llmBaseUrl,
    workspace: options.workspace,
    triggers: {
      fix: webhookTrigger('concurrency: 50', 'maxQueueDepth: 100', ...(options.fixExtra ?? [])),
      nightly: ['provider: schedule', 'goal: Code health scan', 'source: { cron: "@monthly", timezone: UTC }'],
    },
  });
  return {
    databaseUrl: shared.databaseUrl,
    dataDir: shared.dataDir,
    start: () => shared.start({ maxSessions, env: { WORKTRAIN_LEASE_MS: '2000' } }),
  };
}

async function allCompleted(daemon: Daemon, count: number): Promise<DaemonSession[]> {
  let last: DaemonSession[] = [];
  try {
    return await until(
      async () => {
        last = await sessions(daemon, 'fix', 500);
        return last.length === count && last.every((s) => s.state === 'completed') ? last : undefined;
      },
      `${count} sessions to complete`,
      90_000,
    );
  } catch (error) {
    const states = last.map((s) => `${s.state}/${s.outcome ?? '-'}`).sort();
    throw new Error(`${(error as Error).message}; ${last.length} sessions: ${states.join(' ')}`);
  }
}

/** The turn of a request inside its conversation: 1 + the assistant messages before it. */
const turnOf = (request: SeenRequest) =>
  1 + (request.body.messages as { role: string }[]).filter((m) => m.role === 'assistant').length;
const goalOf = (request: SeenRequest) => /Fix #\d+/.exec(request.allText)?.[0] ?? '?';

function conversationsPerGoal(server: ScriptedLlmServer): Map<string, number> {
  const counts = new Map<string, number>();
  for (const request of server.requests) {
    if (turnOf(request) === 1) counts.set(goalOf(request), (counts.get(goalOf(request)) ?? 0) + 1);
  }
  return counts;
}

function startedPerSession(dataDir: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of readFileSync(path.join(dataDir, 'daemon-events.jsonl'), 'utf8').trim().split('\n')) {
    const event = JSON.parse(line) as { kind: string; sessionId?: string };
    if (event.kind === 'session_started' && event.sessionId !== undefined) {
      counts.set(event.sessionId, (counts.get(event.sessionId) ?? 0) + 1);
    }
  }
  return counts;
}

const completedHere = (daemon: Daemon) =>
  daemon
    .logs()
    .split('\n')
    .filter((l) => l.includes('"session completed"')).length;

describe('two daemons sharing one PostgreSQL queue', () => {
  it('runs 50 webhook sessions spread over both, each exactly once, none lost', async () => {
    llm = await startScriptedLlmServer({ script: () => ({ ...completeStep(), delayMs: 20 }) });
    const shared = await cluster(llm.anthropicBaseUrl, 5);
    const daemons = [await shared.start(), await shared.start()];
    const accepted: string[] = [];
    await Promise.all(
      Array.from({ length: 50 }, async (_, n) => {
        const answer = await (daemons[n % 2] as Daemon).webhook({ n });
        expect(answer.status).toBe(202);
        expect(answer.json.status).toBe('accepted');
        accepted.push(answer.json.sessionId as string);
      }),
    );
    const done = await allCompleted(daemons[0] as Daemon, 50);
    expect(new Set(done.map((s) => s.sessionId))).toEqual(new Set(accepted));
    expect(done.filter((s) => s.outcome !== 'success')).toEqual([]);
    expect(done.every((s) => s.stepAdvances === 2)).toBe(true);
    const conversations = conversationsPerGoal(llm);
    expect(conversations.size).toBe(50);
    expect([...conversations.values()].every((n) => n === 1)).toBe(true);
    const started = startedPerSession(shared.dataDir);
    expect(started.size).toBe(50);
    expect([...started.values()].every((n) => n === 1)).toBe(true);
    // Both instances took work, and the other instance sees the same records.
    expect(completedHere(daemons[0] as Daemon)).toBeGreaterThan(0);
    expect(completedHere(daemons[1] as Daemon)).toBeGreaterThan(0);
    expect(completedHere(daemons[0] as Daemon) + completedHere(daemons[1] as Daemon)).toBe(50);
    expect((await sessions(daemons[1] as Daemon, 'fix', 500)).length).toBe(50);
  }, 180_000);

  it('finishes the sessions of a SIGKILLed daemon on the other once their leases expire', async () => {
    // Turn 1 advances at once; turn 2 thinks for 3 s, so the kill lands after one advance. A resumed run (with the
    // recovery note) completes at once.
    llm = await startScriptedLlmServer({
      script: (request) => {
        if (request.allText.includes('the daemon restarted')) return completeStep();
        return turnOf(request) === 1 ? completeStep() : { ...completeStep(), delayMs: 3000 };
      },
    });
    const shared = await cluster(llm.anthropicBaseUrl, 2);
    const victim = await shared.start();
    const survivor = await shared.start();
    for (let n = 0; n < 4; n++) {
      const answer = await (n % 2 === 0 ? victim : survivor).webhook({ n });
      expect(answer.status).toBe(202);
    }
    const db = new pg.Client({ connectionString: shared.databaseUrl });
    await db.connect();
    cleanups.push(() => db.end());
    // Wait until the victim holds leases and every running session has advanced once.
    const victimSessions = await until(async () => {
      const rows = await db.query<{ session_id: string; owner: string; advances: number }>(
        `SELECT l.session_id, l.owner, (s.record->>'stepAdvances')::int AS advances
         FROM worktrain_leases l JOIN worktrain_sessions s USING (session_id)`,
      );
      if (rows.rows.length < 4 || rows.rows.some((r) => r.advances < 1)) return undefined;
      const owners = [...new Set(rows.rows.map((r) => r.owner))];
      if (owners.length !== 2) return undefined;
      const victimOwner = owners.find((o) => o.includes(`:${victim.pid}:`));
      return rows.rows.filter((r) => r.owner === victimOwner).map((r) => r.session_id);
    }, 'both daemons to run sessions past their first advance');
    expect(victimSessions.length).toBeGreaterThan(0);
    await victim.kill();
    const done = await allCompleted(survivor, 4);
    expect(done.filter((s) => s.outcome !== 'success')).toEqual([]);
    for (const id of victimSessions) {
      expect(done.find((s) => s.sessionId === id)).toMatchObject({ resumeCount: 1, stepAdvances: 2 });
    }
    expect(survivor.logs()).toContain('took over a session whose lease expired');
    const leases = await db.query('SELECT count(*)::int AS n FROM worktrain_leases');
    expect(leases.rows[0]).toEqual({ n: 0 });
  }, 120_000);

  it('hands the sessions of a gracefully stopped instance to the other at once', async () => {
    llm = await startScriptedLlmServer({
      script: (request) => {
        if (request.allText.includes('the daemon restarted')) return completeStep();
        return turnOf(request) === 1 ? completeStep() : { text: 'thinking', delayMs: 60_000 };
      },
    });
    const shared = await cluster(llm.anthropicBaseUrl, 2);
    const leaving = await shared.start();
    const id = (await leaving.webhook({ n: 1 })).json.sessionId as string;
    await until(async () => {
      const s = await record(leaving, id);
      return s.stepAdvances === 1 ? true : undefined;
    }, 'the first advance');
    const staying = await shared.start();
    expect(await leaving.terminate()).toBe(0);
    const done = await until(async () => {
      const s = await record(staying, id);
      return s.state === 'completed' ? s : undefined;
    }, 'the session to complete on the other instance');
    expect(done).toMatchObject({ outcome: 'success', resumeCount: 1, stepAdvances: 2 });
  }, 60_000);

  it('stops a paused instance whose lease was taken over, without a second advance', async () => {
    // Turn 2 of the first run answers after 5 s; the resumed run (recovery note) completes at once.
    llm = await startScriptedLlmServer({
      script: (request) => {
        if (request.allText.includes('the daemon restarted')) return completeStep();
        return turnOf(request) === 1 ? completeStep() : { ...completeStep(), delayMs: 5000 };
      },
    });
    const shared = await cluster(llm.anthropicBaseUrl, 2);
    const paused = await shared.start();
    const id = (await paused.webhook({ n: 1 })).json.sessionId as string;
    await until(async () => {
      const s = await record(paused, id);
      return s.stepAdvances === 1 ? true : undefined;
    }, 'the first advance');
    process.kill(paused.pid, 'SIGSTOP');
    cleanups.push(() => process.kill(paused.pid, 'SIGCONT'));
    const other = await shared.start();
    const done = await until(async () => {
      const s = await record(other, id);
      return s.state === 'completed' ? s : undefined;
    }, 'the session to complete on the other instance');
    expect(done).toMatchObject({ outcome: 'success', resumeCount: 1, stepAdvances: 2 });
    process.kill(paused.pid, 'SIGCONT');
    await until(async () => (paused.logs().includes('lease lost') ? true : undefined), 'the paused one to notice');
    // Its own turn-2 answer arrives about 5 s after it was asked: it must not advance with it.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const advances = readFileSync(path.join(shared.dataDir, 'daemon-events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string; sessionId?: string })
      .filter((e) => e.kind === 'step_advanced' && e.sessionId === id);
    expect(advances).toHaveLength(2);
    expect(await record(other, id)).toMatchObject({
      state: 'completed',
      outcome: 'success',
      stepAdvances: 2,
    });
  }, 90_000);

  it("resumes a taken-over session in a new worktree when the dead instance's worktree is out of reach", async () => {
    llm = await startScriptedLlmServer({
      script: (request) => {
        if (request.allText.includes('the daemon restarted')) return completeStep();
        return turnOf(request) === 1 ? completeStep() : { text: 'thinking', delayMs: 60_000 };
      },
    });
    const { workspace } = gitRemoteWorkspace(cleanups);
    const shared = await cluster(llm.anthropicBaseUrl, 2, { workspace, fixExtra: ['branchStrategy: worktree'] });
    const victim = await shared.start();
    const id = (await victim.webhook({ n: 1 })).json.sessionId as string;
    const before = await until(async () => {
      const s = await record(victim, id);
      return s.stepAdvances === 1 ? s : undefined;
    }, 'the first advance');
    expect(before.worktreePath).toContain(victim.home);
    await victim.kill();
    // As if the victim's machine were gone: its worktree and branch are not in this clone.
    rmSync(before.worktreePath as string, { recursive: true, force: true });
    git(workspace, 'worktree', 'prune');
    git(workspace, 'branch', '-D', `worktrain/${id}`);
    const survivor = await shared.start();
    const done = await until(async () => {
      const s = await record(survivor, id);
      return s.state === 'completed' ? s : undefined;
    }, 'the session to complete on the survivor');
    expect(done).toMatchObject({ outcome: 'success', resumeCount: 1, stepAdvances: 2 });
    expect(done.worktreePath).toContain(survivor.home);
  }, 90_000);

  it('pauses dispatch on every instance when the kill switch is engaged on one', async () => {
    llm = await startScriptedLlmServer({ script: () => completeStep() });
    const shared = await cluster(llm.anthropicBaseUrl, 2);
    const first = await shared.start();
    const second = await shared.start();
    expect((await first.api('POST', '/api/v2/kill-switch', {})).status).toBe(200);
    expect((await second.webhook({ n: 1 })).status).toBe(503);
    expect((await second.api('DELETE', '/api/v2/kill-switch')).status).toBe(200);
    expect((await first.webhook({ n: 2 })).status).toBe(202);
    // A graceful stop in the shared mode exits 0.
    expect(await second.terminate()).toBe(0);
  }, 60_000);

  it('polls and fires schedules on one leader only; the other takes over when the leader dies', async () => {
    llm = await startScriptedLlmServer({ script: () => completeStep() });
    const shared = await cluster(llm.anthropicBaseUrl, 2);
    const first = await shared.start();
    const second = await shared.start();
    const nextFire = async (daemon: Daemon) => {
      const answer = await daemon.api('GET', '/api/v2/triggers');
      const list = (answer.json.data as { triggers: { id: string; nextFireAt: string | null }[] }).triggers;
      return list.find((t) => t.id === 'nightly')?.nextFireAt ?? null;
    };
    const leader = await until(async () => {
      const armed = [(await nextFire(first)) !== null, (await nextFire(second)) !== null];
      if (armed[0] === armed[1]) return undefined;
      return armed[0] ? first : second;
    }, 'one leader to arm the schedule');
    const follower = leader === first ? second : first;
    expect(await nextFire(follower)).toBeNull();
    expect(leader.logs()).toContain('became leader');
    expect(follower.logs()).not.toContain('became leader');
    await leader.kill();
    await until(async () => ((await nextFire(follower)) !== null ? true : undefined), 'the follower to lead', 20_000);
    expect(follower.logs()).toContain('became leader');
    // The database drops the new leader's connection: it loses the lock, then takes it again and re-arms.
    const db = new pg.Client({ connectionString: shared.databaseUrl });
    await db.connect();
    cleanups.push(() => db.end());
    await db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE application_name = 'worktrain-control' AND datname = current_database()`,
    );
    await until(async () => (follower.logs().includes('lost the leader lock') ? true : undefined), 'the lock loss');
    await until(
      async () =>
        follower.logs().split('became leader').length === 3 && (await nextFire(follower)) !== null ? true : undefined,
      'leadership again',
      20_000,
    );
  }, 60_000);
});
