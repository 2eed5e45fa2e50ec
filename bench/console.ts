// Benchmarks of the console's read models (docs/console.md §7): the sessions list over 10 000 sessions and the
// detail of a 200-node session; then the UI's first meaningful paint over the same store (console-paint.ts).
// The store lives in /dev/shm when available so building the fixture is quick.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { consoleNodeDetail } from '../src/app/console-node-detail.js';
import { consoleSessionDetail } from '../src/app/console-session-detail.js';
import { createConsoleSessions } from '../src/app/console-sessions.js';
import { continueWorkflow } from '../src/app/continue-workflow.js';
import { type App, createApp } from '../src/app/create-app.js';
import type { StepResponse } from '../src/app/execution-response.js';
import { startWorkflow } from '../src/app/start-workflow.js';
import type { NewEvent, RunId, SessionId } from '../src/engine/events.js';
import { makeEvent } from '../src/engine/records.js';
import { startRun } from '../src/engine/start.js';
import { consolePaintCases } from './console-paint.js';
import type { BenchModule } from './harness.js';

const SESSION_COUNT = 10_000;
const LONG_RUN_ADVANCES = 199;

const LINEAR = {
  id: 'bench.linear',
  name: 'Bench linear',
  description: 'Two steps.',
  version: '1.0.0',
  steps: [
    { id: 'one', title: 'One', prompt: 'Do one.' },
    { id: 'two', title: 'Two', prompt: 'Do two.' },
  ],
};

const LONG = {
  id: 'bench.long',
  name: 'Bench long',
  description: 'A loop of 199 passes, then a summary.',
  version: '1.0.0',
  steps: [
    { id: 'start', title: 'Start', prompt: 'Start.' },
    {
      id: 'passes',
      type: 'loop',
      title: 'Passes',
      loop: { type: 'for', count: LONG_RUN_ADVANCES - 1, maxIterations: 500 },
      body: [{ id: 'work', title: 'Work', prompt: 'Pass {{currentIteration}}.' }],
    },
  ],
};

function tempHome(): string {
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  return mkdtempSync(path.join(base, 'workrail-bench-console-'));
}

/** 10 000 sessions of bench.linear, written in batches through the engine and the store (not the use case). */
function fillSessions(app: App, workspace: string): void {
  const resolved = app.sources.get('bench.linear', workspace);
  if (resolved === undefined || !resolved.compiled.ok) throw new Error('bench.linear did not compile');
  const workflow = resolved.compiled.workflow;
  let now = Date.now() - SESSION_COUNT * 1000;
  for (let batch = 0; batch < SESSION_COUNT / 500; batch++) {
    const written = app.store.transaction(null, (tx) => {
      tx.pinWorkflow(workflow);
      for (let i = 0; i < 500; i++) {
        now += 1000;
        const sessionId = app.ids.newId('sess') as SessionId;
        const runId = app.ids.newId('run') as RunId;
        const started = startRun(workflow, { goal: `bench goal ${batch * 500 + i}`, now, newId: app.ids.newId, runId });
        if (!started.ok) throw new Error('startRun failed');
        const events: NewEvent[] = [
          makeEvent({ now }, 'session_created', `session_created:${sessionId}`, {
            workspacePath: workspace,
            createdAtMs: now,
          }),
          makeEvent({ now, runId }, 'run_started', `run_started:${runId}`, {
            runId,
            workflowId: workflow.id,
            workflowHash: workflow.workflowHash,
            sourceKind: 'project',
            sourcePath: null,
            goal: `bench goal ${batch * 500 + i}`,
            bindings: {},
            references: [],
          }),
          ...started.events,
        ];
        tx.appendEvents(sessionId, events);
      }
    });
    if (!written.ok) throw new Error('store locked');
  }
}

/** One session with 200 nodes, advanced through the real use cases. */
function longSession(app: App, workspace: string): { sessionId: string; nodeId: string } {
  const started = startWorkflow(app, { workflowId: 'bench.long', workspacePath: workspace, goal: 'a long run' });
  if (!started.ok) throw new Error(started.error.message);
  let step = started.value as StepResponse;
  const record = app.store.read((r) => r.findToken(step.continueToken!));
  for (let i = 0; i < LONG_RUN_ADVANCES; i++) {
    const next = continueWorkflow(app, { continueToken: step.continueToken!, output: { notesMarkdown: `Pass ${i}.` } });
    if (!next.ok) throw new Error(next.error.message);
    step = next.value as StepResponse;
  }
  return { sessionId: record!.sessionId, nodeId: record!.nodeId };
}

export const consoleBenchmarks: BenchModule = {
  name: 'console',
  cases() {
    const home = tempHome();
    const workspace = path.join(home, 'ws');
    mkdirSync(path.join(workspace, '.workrail', 'workflows'), { recursive: true });
    writeFileSync(path.join(workspace, '.workrail', 'workflows', 'linear.json'), JSON.stringify(LINEAR));
    writeFileSync(path.join(workspace, '.workrail', 'workflows', 'long.json'), JSON.stringify(LONG));
    const app = createApp({ env: { WORKRAIL_HOME: home, WORKFLOW_INCLUDE_BUNDLED: 'false', HOME: home } });
    fillSessions(app, workspace);
    const long = longSession(app, workspace);
    const warm = createConsoleSessions(app.store, app.clock);
    const paint = consolePaintCases({
      home,
      sessionCount: SESSION_COUNT + 1,
      sessionId: long.sessionId,
      nodeCount: LONG_RUN_ADVANCES + 1,
    });
    const teardown = async () => {
      await paint.close();
      app.close();
      rmSync(home, { recursive: true, force: true });
    };
    return [
      {
        name: `sessions list, first page of ${SESSION_COUNT + 1} sessions (cache warm)`,
        target: '< 20 ms',
        targetMs: 20,
        iterations: 200,
        warmup: 5,
        run: () => warm.list({ limit: 50 }),
      },
      {
        name: `sessions list, ${SESSION_COUNT + 1} sessions, first request of a console (full load)`,
        iterations: 20,
        warmup: 2,
        run: () => createConsoleSessions(app.store, app.clock).list({ limit: 50 }),
      },
      {
        name: 'sessions list after a commit by another call (commit + incremental refresh)',
        target: '< 20 ms',
        targetMs: 20,
        iterations: 100,
        warmup: 5,
        run: () => {
          app.store.transaction(null, (tx) => tx.rememberRoot(workspace, app.clock.now()));
          warm.list({ limit: 50 });
        },
      },
      {
        name: 'sessions list, full-text search over 10 000 sessions',
        iterations: 50,
        warmup: 2,
        run: () => warm.list({ q: 'goal 4242', limit: 50 }),
      },
      {
        name: 'session detail, 200-node session',
        target: '< 20 ms',
        targetMs: 20,
        iterations: 100,
        warmup: 5,
        run: () => consoleSessionDetail(app, warm, long.sessionId),
      },
      {
        name: 'node detail in a 200-node session',
        iterations: 100,
        warmup: 5,
        run: () => consoleNodeDetail(app, long.sessionId, long.nodeId),
      },
      ...paint.cases.map((paintCase, i) => (i === paint.cases.length - 1 ? { ...paintCase, teardown } : paintCase)),
    ];
  },
};
