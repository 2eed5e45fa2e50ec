// Benchmarks of the MCP server: the real binary (bin/workrail.mjs, built by `npm run bench`) driven through the
// official MCP client over stdio. Each measured call is one round trip, client to server and back.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp } from '../src/app/create-app.js';
import { startWorkflow } from '../src/app/start-workflow.js';
import type { BenchCase, BenchModule } from './harness.js';
import type { WorkerRequest } from './mcp-client-worker.js';
import { startSyncWorker } from './sync-worker.js';

const STEPS = 5;
const SEEDED_SESSIONS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

/** A workspace holding `bench.linear`, five plain steps (shared with bench/postgres.ts). */
export function workspace(): string {
  const ws = mkdtempSync(path.join(tmpdir(), 'workrail-bench-ws-'));
  const steps = Array.from({ length: STEPS }, (_, i) => ({
    id: `step-${i + 1}`,
    title: `Step ${i + 1}`,
    prompt: `Do part ${i + 1} of {{goal}} and record what you did.`,
  }));
  const doc = { id: 'bench.linear', name: 'Bench', description: 'Five steps.', version: '1.0.0', steps };
  const dir = path.join(ws, '.workrail', 'workflows');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'bench.json'), JSON.stringify(doc));
  return ws;
}

/** A synchronous handle on the worker's clients. */
function clientWorker() {
  const worker = startSyncWorker<WorkerRequest>(
    new URL('./mcp-client-worker.ts', import.meta.url),
    'bench client',
    REQUEST_TIMEOUT_MS,
  );
  return {
    request: worker.request,
    call: (on: string, name: string, args: Record<string, unknown>) =>
      worker.request({ op: 'call', on, name, args }) as Record<string, string | undefined>,
    stop: () => {
      worker.request({ op: 'closeAll' });
      worker.terminate();
    },
  };
}

function benchEnv(home: string): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: home, WORKRAIL_HOME: home, WORKRAIL_LOG_LEVEL: 'warn' };
}

/** Seeds sessions through the use case in process, against the data dir the server will open. */
function seedSessions(home: string, ws: string, count: number): void {
  const app = createApp({ env: benchEnv(home) });
  try {
    for (let i = 0; i < count; i++) {
      const started = startWorkflow(app, { workflowId: 'bench.linear', workspacePath: ws, goal: `seeded task ${i}` });
      if (!started.ok) throw new Error(started.error.message);
    }
  } finally {
    app.close();
  }
}

export const mcpBenchmarks: BenchModule = {
  name: 'mcp',
  cases: (): BenchCase[] => {
    const home = mkdtempSync(path.join(tmpdir(), 'workrail-bench-home-'));
    const ws = workspace();
    const client = clientWorker();
    const env = benchEnv(home);
    client.request({ op: 'spawn', env, as: 'main' });

    // Continue tokens of fresh sessions, taken in turn: the first 100 calls are each a first continue after start.
    const tokens: string[] = [];
    for (let i = 0; i < 100; i++) {
      const started = client.call('main', 'start_workflow', {
        workflowId: 'bench.linear',
        workspacePath: ws,
        goal: `g${i}`,
      });
      tokens.push(started.continueToken!);
    }

    const resumeHome = mkdtempSync(path.join(tmpdir(), 'workrail-bench-resume-'));
    const resumeEnv = benchEnv(resumeHome);
    const seedWs = workspace();
    const seedStart = performance.now();
    seedSessions(resumeHome, seedWs, SEEDED_SESSIONS);
    const seedMs = Math.round(performance.now() - seedStart);
    process.stderr.write(`mcp bench: seeded ${SEEDED_SESSIONS} sessions in ${seedMs} ms\n`);
    client.request({ op: 'spawn', env: resumeEnv, as: 'resume' });

    return [
      {
        name: 'server ready (spawn -> tools/list)',
        target: '<= 150 ms',
        targetMs: 150,
        iterations: 10,
        warmup: 1,
        run: () => client.request({ op: 'spawn', env }),
      },
      {
        name: 'list_workflows (tag summary)',
        target: '<= 5 ms',
        targetMs: 5,
        iterations: 200,
        warmup: 20,
        run: () => client.call('main', 'list_workflows', { workspacePath: ws }),
      },
      {
        name: 'start_workflow',
        target: 'p50 <= 3 ms',
        targetMs: 3,
        iterations: 200,
        warmup: 10,
        run: () =>
          client.call('main', 'start_workflow', { workflowId: 'bench.linear', workspacePath: ws, goal: 'bench' }),
      },
      {
        name: 'continue_workflow (first after start included)',
        target: 'p50 <= 2 ms, p95 <= 5 ms',
        targetMs: 2,
        p95TargetMs: 5,
        iterations: 400,
        run: () => {
          const token = tokens.shift()!;
          const next = client.call('main', 'continue_workflow', { continueToken: token, notes: 'Did it.' });
          if (next.continueToken !== undefined) tokens.push(next.continueToken);
        },
      },
      {
        name: `resume_session (${SEEDED_SESSIONS} sessions)`,
        target: '<= 10 ms',
        targetMs: 10,
        iterations: 50,
        warmup: 5,
        run: () => client.call('resume', 'resume_session', { workspacePath: seedWs, query: 'seeded task 4242' }),
        teardown: () => {
          client.stop();
          for (const dir of [home, ws, resumeHome, seedWs]) rmSync(dir, { recursive: true, force: true });
        },
      },
    ];
  },
};
