// Throughput of the shared PostgreSQL queue (docs/worktrain-several-machines.md, issue 10's target: 2 daemons
// process sessions at about twice the rate of one when the LLM is the bottleneck). Real `worktrain daemon run`
// processes share one PostgreSQL (fsync on) and one scripted LLM server answering every call after 200 ms; each round
// sends webhooks spread over the daemons and times until every session has completed.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { createDatabase, type PostgresServer, startPostgres } from '../test/support/postgres-server.js';
import { API_KEY, type ScriptedLlmServer, startScriptedLlmServer } from '../test/support/scripted-llm-server.js';
import { completeStep, gitWorkspace, tempDir, WORKFLOW_ID } from '../test/support/worktrain-harness.js';
import type { BenchCase } from './harness.js';

const LLM_LATENCY_MS = 200;
const SESSIONS_PER_ROUND = 40;
const SLOTS_PER_DAEMON = 4;
const root = path.resolve(import.meta.dirname, '..');

interface Fixture {
  readonly server: PostgresServer;
  readonly llm: ScriptedLlmServer;
  readonly cleanups: (() => unknown)[];
}

interface Cluster {
  readonly db: pg.Client;
  readonly webhooks: readonly string[];
  readonly children: readonly ChildProcess[];
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
          for (const child of cluster.children) child.kill('SIGTERM');
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
  const ws = gitWorkspace(fixture.cleanups);
  const dataDir = tempDir(fixture.cleanups, 'worktrain-bench-data-');
  const children: ChildProcess[] = [];
  const webhooks: string[] = [];
  for (let n = 0; n < daemons; n++) {
    const home = tempDir(fixture.cleanups, 'worktrain-bench-home-');
    writeFileSync(
      path.join(home, 'triggers.yml'),
      `triggers:
  - id: fix
    provider: generic
    workflowId: ${WORKFLOW_ID}
    workspacePath: ${ws}
    goalTemplate: "Fix #{{$.n}}"
    concurrency: 100
    maxQueueDepth: 1000
    agentConfig: { provider: anthropic, baseUrl: ${fixture.llm.anthropicBaseUrl}, apiKey: $LLM_KEY }
`,
    );
    writeFileSync(path.join(home, '.env'), `LLM_KEY=${API_KEY}\n`, { mode: 0o600 });
    const { child, url } = await spawnDaemon(home, {
      WORKRAIL_DATA_DIR: dataDir,
      WORKRAIL_DATABASE_URL: databaseUrl,
      WORKTRAIN_MAX_CONCURRENT_SESSIONS: String(SLOTS_PER_DAEMON),
      WORKTRAIN_LOG_LEVEL: 'warn',
    });
    fixture.cleanups.push(() => child.kill('SIGKILL'));
    children.push(child);
    webhooks.push(`${url}/webhook/fix`);
  }
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  return { db, webhooks, children };
}

async function runRound(cluster: Cluster, round: number): Promise<void> {
  const ids = await Promise.all(
    Array.from({ length: SESSIONS_PER_ROUND }, async (_, i) => {
      const response = await fetch(cluster.webhooks[i % cluster.webhooks.length] as string, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ n: round * 1000 + i }),
      });
      const body = (await response.json()) as { status?: string; sessionId?: string };
      if (body.status !== 'accepted') throw new Error(`webhook not accepted: ${JSON.stringify(body)}`);
      return body.sessionId as string;
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

function spawnDaemon(home: string, extraEnv: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const env = { PATH: process.env.PATH ?? '', HOME: home, WORKRAIL_HOME: home, WORKFLOW_INCLUDE_USER: 'false' };
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/support/worktrain-entry.ts', 'daemon', 'run', '--port', '0', '--no-watch'],
    { cwd: root, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /WorkTrain daemon listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match !== null) resolve({ child, url: match[1] as string });
    });
    child.once('exit', (code) => reject(new Error(`daemon exited ${code}: ${err}`)));
  });
}
