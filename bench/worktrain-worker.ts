// Runs the WorkTrain daemons of bench/worktrain.ts on a worker thread, with the scripted LLM server beside them. The
// bench harness times synchronous calls, so the main thread posts one operation, blocks on an Atomics flag, and reads
// the reply when the worker is done (bench/sync-worker.ts).
//
// Daemon A talks to the scripted LLM server over HTTP (webhook latency, 100 concurrent sessions). The gated daemons
// (one with its store on disk, one on tmpfs) get their model replies from an in-process gate the main thread opens
// one turn at a time, so a measured turn is the agent loop, complete_step (engine + store) and the events, with no
// network in between.

import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { type RunningDaemon, startDaemon } from '../src/daemon/daemon.js';
import type { ModelRequest, ModelResponse, Provider } from '../src/daemon/providers/types.js';
import { API_KEY, startScriptedLlmServer } from '../test/support/scripted-llm-server.js';
import { serveSyncRequests } from './sync-worker.js';

export type WorkerRequest =
  | { readonly op: 'setup' }
  | { readonly op: 'webhook'; readonly n: number }
  | { readonly op: 'burst'; readonly round: number; readonly size: number }
  | { readonly op: 'turnsStart'; readonly store: StoreKind }
  | { readonly op: 'turn'; readonly store: StoreKind; readonly n: number }
  | { readonly op: 'close' };

/** Where a gated daemon keeps its store: the system temp dir (a disk, fsync included) or tmpfs (/dev/shm). */
export type StoreKind = 'disk' | 'tmpfs';

export interface BurstResult {
  readonly completed: number;
  readonly failures: readonly string[];
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
}

const SECRET = 'bench-webhook-secret-0123456789';
const NOTES = 'Did the work of this step and checked the result carefully; nothing else needed changing here.';
const FIXTURE = path.resolve(import.meta.dirname, '../test/fixtures/llm/wt-fixture-workflow.json');
const LOOP_WORKFLOW = {
  id: 'bench.turns',
  name: 'Bench turns',
  description: 'A start step, then a loop of 999 passes.',
  version: '1.0.0',
  steps: [
    { id: 'start', title: 'Start', prompt: 'Start.' },
    {
      id: 'passes',
      type: 'loop',
      title: 'Passes',
      loop: { type: 'for', count: 999, maxIterations: 1000 },
      body: [{ id: 'work', title: 'Work', prompt: 'Pass {{currentIteration}}.' }],
    },
  ],
};

/** A daemon whose model is a gate: each call waits until `turn` answers it. */
interface Gated {
  readonly daemon: RunningDaemon;
  readonly apiToken: string;
  pending: ((response: ModelResponse) => void) | null;
  onCall: (() => void) | null;
}

interface State {
  readonly a: RunningDaemon;
  readonly gated: { readonly [kind in StoreKind]: Gated };
  readonly closeLlm: () => Promise<void>;
}

let state: State | null = null;
let benchWorkspace = '';
/** Waiters for the first LLM request of a latency session, by goal marker. */
const firstRequest = new Map<string, () => void>();

const quiet = () =>
  new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });

function workspace(): string {
  const ws = mkdtempSync(path.join(tmpdir(), 'worktrain-bench-ws-'));
  mkdirSync(path.join(ws, '.workrail', 'workflows'), { recursive: true });
  writeFileSync(path.join(ws, '.workrail', 'workflows', 'wt-fixture.json'), readFileSync(FIXTURE));
  writeFileSync(path.join(ws, '.workrail', 'workflows', 'bench-turns.json'), JSON.stringify(LOOP_WORKFLOW));
  writeFileSync(path.join(ws, 'AGENTS.md'), '# Agent rules\nKeep changes small.\n');
  return ws;
}

async function setup(): Promise<null> {
  const llm = await startScriptedLlmServer({
    script: (request) => {
      const marker = /bench-latency-\d+/.exec(request.lastUserText)?.[0];
      if (marker !== undefined && firstRequest.has(marker)) {
        firstRequest.get(marker)?.();
        firstRequest.delete(marker);
        // Latency sessions wait here, idle, until the kill switch ends them after the case.
        return { text: 'Thinking.', delayMs: 600_000 };
      }
      return { toolCalls: [{ name: 'complete_step', input: { notes: `${NOTES} (${request.turn})` } }] };
    },
  });
  const ws = workspace();
  const homeA = mkdtempSync(path.join(tmpdir(), 'worktrain-bench-a-'));
  writeFileSync(
    path.join(homeA, 'triggers.yml'),
    `triggers:
  - id: bench
    provider: generic
    workflowId: acme.wt-fixture
    workspacePath: ${ws}
    goalTemplate: "{{$.goal}}"
    hmacSecret: $BENCH_SECRET
    concurrency: 400
    maxQueueDepth: 400
    agentConfig:
      provider: anthropic
      baseUrl: ${llm.anthropicBaseUrl}
      apiKey: $LLM_KEY
`,
  );
  const common = {
    PATH: process.env.PATH ?? '',
    WORKFLOW_INCLUDE_USER: 'false',
    WORKTRAIN_MAX_CONCURRENT_SESSIONS: '400',
  };
  const a = await startDaemon({
    env: { ...common, HOME: homeA, WORKRAIL_HOME: homeA, BENCH_SECRET: SECRET, LLM_KEY: API_KEY },
    port: 0,
    logLevel: 'warn',
    logDestination: quiet(),
  });
  if (!a.ok) throw new Error(`daemon A did not start: ${a.message}`);

  state = {
    a: a.daemon,
    gated: { disk: await gatedDaemon(tmpdir(), common), tmpfs: await gatedDaemon(tmpfsDir(), common) },
    closeLlm: () => llm.close(),
  };
  benchWorkspace = ws;
  return null;
}

async function postWebhook(daemon: RunningDaemon, goal: string): Promise<string> {
  const body = JSON.stringify({ goal });
  const signature = createHmac('sha256', SECRET).update(body).digest('hex');
  const response = await fetch(`${daemon.url}/webhook/bench`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-workrail-signature': `sha256=${signature}` },
    body,
  });
  const answer = (await response.json()) as { status?: string; sessionId?: string; error?: string };
  if (response.status !== 202 || answer.status !== 'accepted' || answer.sessionId === undefined) {
    throw new Error(`webhook answered ${response.status}: ${JSON.stringify(answer)}`);
  }
  return answer.sessionId;
}

/** POST a signed webhook and resolve when its session's first LLM request reaches the scripted server. */
async function webhook(n: number): Promise<null> {
  const s = need();
  const marker = `bench-latency-${n}`;
  const seen = new Promise<void>((resolve) => firstRequest.set(marker, resolve));
  await postWebhook(s.a, `Benchmark ${marker} task`);
  await seen;
  return null;
}

/** `size` webhooks at once; resolves when every session has ended. */
async function burst(round: number, size: number): Promise<BurstResult> {
  const s = need();
  const ids = await Promise.all(
    Array.from({ length: size }, (_, i) => postWebhook(s.a, `Benchmark burst ${round}-${i}`)),
  );
  for (;;) {
    const ended = ids.map((id) => s.a.core.sessions.find(id)).filter((f) => f.kind === 'found');
    if (ended.every((f) => f.kind === 'found' && f.session.state === 'completed') && ended.length === size) {
      const failures = ended.flatMap((f) =>
        f.kind === 'found' && f.session.outcome !== 'success'
          ? [`${f.session.sessionId}: ${f.session.outcome} ${f.session.detail ?? ''}`]
          : [],
      );
      const memory = process.memoryUsage();
      return { completed: size, failures, rssBytes: memory.rss, heapUsedBytes: memory.heapUsed };
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function gatedDaemon(base: string, common: { readonly [name: string]: string }): Promise<Gated> {
  const home = mkdtempSync(path.join(base, 'worktrain-bench-gated-'));
  let gated: Gated | null = null;
  const gate: Provider = {
    name: 'anthropic',
    model: 'bench-gate',
    complete: (request: ModelRequest) =>
      new Promise((resolve, reject) => {
        request.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
        if (gated === null) throw new Error('gate used before setup');
        gated.pending = resolve;
        gated.onCall?.();
      }),
  };
  const started = await startDaemon({
    env: { ...common, HOME: home, WORKRAIL_HOME: home, ANTHROPIC_API_KEY: API_KEY },
    port: 0,
    logLevel: 'warn',
    logDestination: quiet(),
    providerFor: () => gate,
  });
  if (!started.ok) throw new Error(`gated daemon did not start: ${started.message}`);
  gated = {
    daemon: started.daemon,
    apiToken: readFileSync(path.join(home, 'api-token'), 'utf8').trim(),
    pending: null,
    onCall: null,
  };
  return gated;
}

function tmpfsDir(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

/** Starts the one long session of a gated daemon and waits for its first model call. */
async function turnsStart(kind: StoreKind): Promise<null> {
  const g = need().gated[kind];
  const called = new Promise<void>((resolve) => {
    g.onCall = resolve;
  });
  const response = await fetch(`${g.daemon.url}/api/v2/dispatch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${g.apiToken}` },
    body: JSON.stringify({
      workflowId: 'bench.turns',
      goal: 'Benchmark the turns',
      workspacePath: benchWorkspace,
      agentConfig: { maxTurns: 5000 },
    }),
  });
  if (response.status !== 202) throw new Error(`dispatch answered ${response.status}: ${await response.text()}`);
  await called;
  return null;
}

/** Answers the pending model call with complete_step and waits for the loop's next model call. */
async function turn(kind: StoreKind, n: number): Promise<null> {
  const g = need().gated[kind];
  const reply = g.pending;
  if (reply === null) throw new Error('no model call is pending');
  const called = new Promise<void>((resolve) => {
    g.onCall = resolve;
  });
  g.pending = null;
  reply({
    content: [{ type: 'tool_call', id: `toolu_${n}`, name: 'complete_step', input: { notes: `${NOTES} (${n})` } }],
    stopReason: 'tool_use',
    usage: { input: 100, output: 20, cacheRead: 0, cacheWrite: 0 },
  });
  await called;
  return null;
}

async function close(): Promise<null> {
  const s = need();
  const daemons = [s.a, s.gated.disk.daemon, s.gated.tmpfs.daemon];
  for (const daemon of daemons) daemon.core.killSwitch();
  await Promise.all(daemons.map((daemon) => daemon.stop()));
  await s.closeLlm();
  state = null;
  return null;
}

function need(): State {
  if (state === null) throw new Error('setup has not run');
  return state;
}

async function handle(request: WorkerRequest): Promise<unknown> {
  switch (request.op) {
    case 'setup':
      return setup();
    case 'webhook':
      return webhook(request.n);
    case 'burst':
      return burst(request.round, request.size);
    case 'turnsStart':
      return turnsStart(request.store);
    case 'turn':
      return turn(request.store, request.n);
    case 'close':
      return close();
  }
}

serveSyncRequests(handle);
