// Benchmarks of the WorkTrain daemon (docs/worktrain.md, issue targets): a signed webhook to the session's first LLM
// request, the daemon's own cost per agent turn (agent loop + complete_step through the engine and the store +
// events), and rounds of 100 concurrent sessions on the scripted LLM server with their memory. The daemons run in
// process on a worker thread (bench/worktrain-worker.ts). Stores live in the system temp dir, as a user's would; the
// per-turn case also runs on tmpfs, which leaves out the fsync that `synchronous=FULL` pays on every advance.
// The shared-queue cases (worktrain-shared.ts) compare 1 and 2 daemon processes on one PostgreSQL.
import type { BenchCase, BenchModule } from './harness.js';
import { startSyncWorker } from './sync-worker.js';
import { sharedQueueCases } from './worktrain-shared.js';
import type { BurstResult, WorkerRequest } from './worktrain-worker.js';

const BURST_SIZE = 100;
const BURST_ROUNDS = 5;
/** Growth allowed from the first round's end to the last's: more means memory grows with sessions served. */
const RSS_GROWTH_LIMIT_MB = 150;

function daemonWorker() {
  const worker = startSyncWorker<WorkerRequest>(
    new URL('./worktrain-worker.ts', import.meta.url),
    'worktrain bench worker',
  );
  return {
    request: worker.request,
    stop: () => {
      worker.request({ op: 'close' });
      worker.terminate();
    },
  };
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

export const worktrainBenchmarks: BenchModule = {
  name: 'worktrain',
  cases: (): BenchCase[] => {
    const worker = daemonWorker();
    worker.request({ op: 'setup' });
    let webhooks = 0;
    const turns = { tmpfs: 0, disk: 0 };
    let round = 0;
    const rounds: BurstResult[] = [];
    const rssAtStart = process.memoryUsage().rss;

    return [
      {
        name: 'webhook accepted -> first LLM request',
        target: '<= 20 ms',
        targetMs: 20,
        iterations: 100,
        warmup: 10,
        run: () => worker.request({ op: 'webhook', n: ++webhooks }),
      },
      ...(['tmpfs', 'disk'] as const).map(
        (store): BenchCase => ({
          name: `daemon overhead per agent turn (loop + engine + store + events), store on ${store}`,
          target: '<= 2 ms',
          targetMs: 2,
          iterations: 300,
          warmup: 20,
          run: () => {
            if (turns[store] === 0) worker.request({ op: 'turnsStart', store });
            turns[store] += 1;
            worker.request({ op: 'turn', store, n: turns[store] });
          },
        }),
      ),
      {
        name: `${BURST_SIZE} concurrent sessions to completion (per round)`,
        target: `<= 10 s, 0 errors, RSS growth <= ${RSS_GROWTH_LIMIT_MB} MB`,
        targetMs: 10_000,
        iterations: BURST_ROUNDS,
        run: () => {
          const result = worker.request({ op: 'burst', round: ++round, size: BURST_SIZE }) as BurstResult;
          rounds.push(result);
          if (result.failures.length > 0) {
            throw new Error(`round ${round}: ${result.failures.length} sessions failed: ${result.failures[0]}`);
          }
        },
        teardown: () => {
          worker.stop();
          const first = rounds[0];
          const last = rounds[rounds.length - 1];
          if (first === undefined || last === undefined) return;
          const growth = mb(last.rssBytes - first.rssBytes);
          process.stderr.write(
            `worktrain bench: ${rounds.length} rounds of ${BURST_SIZE} sessions, 0 failed; RSS ${mb(rssAtStart)} MB before, ` +
              `${rounds.map((r) => mb(r.rssBytes)).join(' / ')} MB after each round (growth after round 1: ${growth} MB); ` +
              `heap ${rounds.map((r) => mb(r.heapUsedBytes)).join(' / ')} MB\n`,
          );
          if (growth > RSS_GROWTH_LIMIT_MB) {
            throw new Error(`RSS grew ${growth} MB over ${rounds.length} rounds (limit ${RSS_GROWTH_LIMIT_MB} MB)`);
          }
        },
      },
      ...sharedQueueCases(),
    ];
  },
};
