// Benchmarks of the MCP server on the PostgreSQL store: the real binary (bin/workrail.mjs) with WORKRAIL_DATABASE_URL,
// driven through the official MCP client over stdio, against a throwaway server on loopback with fsync on
// (test/support/postgres-server.ts). Issue 10's target: continue_workflow p50 <= 5 ms.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BenchCase, BenchModule } from './harness.js';
import { workspace } from './mcp.js';
import type { WorkerRequest } from './mcp-client-worker.js';
import { startSyncWorker } from './sync-worker.js';

const SESSIONS = 100;
const SERVER_START_TIMEOUT_MS = 60_000;

/**
 * Starts a PostgreSQL server (fsync on) and an empty database from a child process, which keeps the server until it
 * is sent SIGTERM. Blocks until the database URL is known: the harness builds its cases synchronously.
 */
function startDatabase(): { url: string; stop: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'workrail-bench-pg-'));
  const urlFile = path.join(dir, 'url');
  const serverModule = new URL('../test/support/postgres-server.ts', import.meta.url).href;
  const script = `
    import { writeFileSync } from 'node:fs';
    import { createDatabase, startPostgres } from ${JSON.stringify(serverModule)};
    const server = await startPostgres({ fsync: true });
    process.on('SIGTERM', () => { server.stop(); process.exit(0); });
    writeFileSync(${JSON.stringify(urlFile)}, await createDatabase(server.url, 'workrail_bench'));
    setInterval(() => {}, 1 << 30);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + SERVER_START_TIMEOUT_MS;
  while (!existsSync(urlFile) || readFileSync(urlFile, 'utf8') === '') {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('postgres bench: the server did not start');
    Atomics.wait(pause, 0, 0, 50);
  }
  return {
    url: readFileSync(urlFile, 'utf8'),
    stop: () => {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const postgresBenchmarks: BenchModule = {
  name: 'postgres',
  cases: (): BenchCase[] => {
    const database = startDatabase();
    const home = mkdtempSync(path.join(tmpdir(), 'workrail-bench-home-'));
    const ws = workspace();
    const worker = startSyncWorker<WorkerRequest>(new URL('./mcp-client-worker.ts', import.meta.url), 'bench client');
    const call = (name: string, args: Record<string, unknown>) =>
      worker.request({ op: 'call', on: 'pg', name, args }) as Record<string, string | undefined>;
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: home,
      WORKRAIL_HOME: home,
      WORKRAIL_LOG_LEVEL: 'warn',
      WORKRAIL_DATABASE_URL: database.url,
    };
    worker.request({ op: 'spawn', env, as: 'pg' });

    // Continue tokens of fresh sessions, taken in turn, as in bench/mcp.ts.
    const tokens: string[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      tokens.push(
        call('start_workflow', { workflowId: 'bench.linear', workspacePath: ws, goal: `g${i}` }).continueToken!,
      );
    }
    return [
      {
        name: 'start_workflow (PostgreSQL)',
        target: 'p50 <= 5 ms',
        targetMs: 5,
        iterations: 200,
        warmup: 10,
        run: () => call('start_workflow', { workflowId: 'bench.linear', workspacePath: ws, goal: 'bench' }),
      },
      {
        name: 'continue_workflow (PostgreSQL, fsync on)',
        target: 'p50 <= 5 ms',
        targetMs: 5,
        iterations: 400,
        run: () => {
          const next = call('continue_workflow', { continueToken: tokens.shift()!, notes: 'Did it.' });
          if (next.continueToken !== undefined) tokens.push(next.continueToken);
        },
        teardown: () => {
          worker.request({ op: 'closeAll' });
          worker.terminate();
          database.stop();
          for (const dir of [home, ws]) rmSync(dir, { recursive: true, force: true });
        },
      },
    ];
  },
};
