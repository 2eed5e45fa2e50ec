// Throughput of the shared PostgreSQL queue (docs/worktrain-several-machines.md, issue 10's target: 2 daemons
// process sessions at about twice the rate of one when the LLM is the bottleneck). Real `worktrain daemon run`
// processes share one PostgreSQL (fsync on) and one scripted LLM server answering every call after 200 ms; each round
// sends webhooks spread over the daemons and times until every session has completed.
import pg from 'pg';
import { createDatabase, type PostgresServer, startPostgres } from '../test/support/postgres-server.js';
import { type ScriptedLlmServer, startScriptedLlmServer } from '../test/support/scripted-llm-server.js';
import { completeStep } from '../test/support/worktrain-harness.js';
import { type Daemon, sharedCluster, webhookTrigger } from '../test/support/worktrain-processes.js';
import type { BenchCase } from './harness.js';

const LLM_LATENCY_MS = 200;
const SESSIONS_PER_ROUND = 40;
const SLOTS_PER_DAEMON = 4;

interface Fixture {
  readonly server: PostgresServer;
  readonly llm: ScriptedLlmServer;
  readonly cleanups: (() => unknown)[];
}

interface Cluster {
  readonly db: pg.Client;
  readonly daemons: readonly Daemon[];
}

/** The 1-daemon and 2-daemon cases; the second's teardown prints sessions/second of both and their ratio. */
export function sharedQueueCases(): BenchCase[] {
  let fixture: Fixture | null = null;
  const rates = new Map<number, number[]>();
  const prepare = async () => {
    if (fixture !== null) return fixture;
    const server = await startPostgres({ fsync: true });
    const llm = await startScriptedLlmServer({ script: () => ({ ...completeStep(), delayMs: LLM_LATENCY_MS }) });
    fixture = { server, llm, cleanups: [] };
    return fixture;
  };
  const close = async () => {
    if (fixture === null) return;
    for (const cleanup of fixture.cleanups.splice(0).reverse()) await cleanup();
    await fixture.llm.close();
    fixture.server.stop();
    fixture = null;
  };

  const caseFor = (daemons: number): BenchCase => {
    let cluster: Cluster | null = null;
    let round = 0;
    return {
      name: `shared queue: ${SESSIONS_PER_ROUND} sessions on ${daemons} daemon${daemons > 1 ? 's' : ''} (${SLOTS_PER_DAEMON} slots each, LLM ${LLM_LATENCY_MS} ms/call), per round`,
      target: daemons === 1 ? 'reference for the 2-daemon case' : '~2x the 1-daemon rate',
      iterations: 3,
      warmup: 1,
      run: async () => {
        const f = await prepare();
        cluster ??= await startCluster(f, daemons);
        round += 1;
        const started = performance.now();
        await runRound(cluster, round);
        const seconds = (performance.now() - started) / 1000;
        rates.set(daemons, [...(rates.get(daemons) ?? []), SESSIONS_PER_ROUND / seconds]);
      },
      teardown: async () => {
        if (cluster !== null) {
          await Promise.all(cluster.daemons.map((daemon) => daemon.terminate()));
          await cluster.db.end();
        }
        if (daemons === 2) {
          const best = (n: number) => Math.max(...(rates.get(n) ?? [0]));
          process.stderr.write(
            `worktrain shared-queue bench: 1 daemon ${best(1).toFixed(2)} sessions/s, 2 daemons ${best(2).toFixed(2)} ` +
              `sessions/s (x${(best(2) / best(1)).toFixed(2)}); best of the measured rounds\n`,
          );
          await close();
        }
      },
    };
  };
  return [caseFor(1), caseFor(2)];
}

async function startCluster(fixture: Fixture, daemons: number): Promise<Cluster> {
  const databaseUrl = await createDatabase(fixture.server.url, 'worktrain_bench');
  const shared = sharedCluster(fixture.cleanups, {
    databaseUrl,
    llmBaseUrl: fixture.llm.anthropicBaseUrl,
    triggers: { fix: webhookTrigger('concurrency: 100', 'maxQueueDepth: 1000') },
  });
  const started: Daemon[] = [];
  for (let n = 0; n < daemons; n++) {
    started.push(await shared.start({ maxSessions: SLOTS_PER_DAEMON, env: { WORKTRAIN_LOG_LEVEL: 'warn' } }));
  }
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  return { db, daemons: started };
}

async function runRound(cluster: Cluster, round: number): Promise<void> {
  const ids = await Promise.all(
    Array.from({ length: SESSIONS_PER_ROUND }, async (_, i) => {
      const daemon = cluster.daemons[i % cluster.daemons.length] as Daemon;
      const { json } = await daemon.webhook({ n: round * 1000 + i });
      if (json.status !== 'accepted') throw new Error(`webhook not accepted: ${JSON.stringify(json)}`);
      return json.sessionId as string;
    }),
  );
  for (;;) {
    const done = await cluster.db.query<{ n: number; failed: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE record->>'outcome' <> 'success')::int AS failed
       FROM worktrain_sessions WHERE session_id = ANY($1) AND state = 'completed'`,
      [ids],
    );
    const row = done.rows[0];
    if (row !== undefined && row.failed > 0) throw new Error(`round ${round}: ${row.failed} sessions did not succeed`);
    if (row?.n === ids.length) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
