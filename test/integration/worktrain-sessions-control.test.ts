// Operator control of daemon sessions (docs/worktrain.md §7.4, §3.1): gate verdicts through `worktrain sessions
// resume --approve | --reject`, and a hot reload that removes a trigger drops its queued dispatches.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningDaemon } from '../../src/daemon/daemon.js';
import { API_KEY, type ScriptedLlmServer, startScriptedLlmServer } from '../support/scripted-llm-server.js';
import {
  completeStep,
  gitWorkspace,
  homeEnv,
  runWorktrain,
  startTestDaemon,
  triggersYml,
  waitForSession,
} from '../support/worktrain-harness.js';

const cleanups: (() => unknown)[] = [];
let llm: ScriptedLlmServer | undefined;

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await llm?.close();
  llm = undefined;
});

const FIXTURE = path.join(import.meta.dirname, '..', 'fixtures', 'llm', 'wt-fixture-workflow.json');

/** The fixture workflow with a human_approval gate after its first step, as `acme.wt-gated`. */
function gatedWorkspace(): string {
  const ws = gitWorkspace(cleanups);
  const workflow = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { id: string; steps: { [k: string]: unknown }[] };
  workflow.id = 'acme.wt-gated';
  workflow.steps[0] = { ...workflow.steps[0], requireConfirmation: { kind: 'human_approval' } };
  writeFileSync(path.join(ws, '.workrail', 'workflows', 'wt-gated.json'), JSON.stringify(workflow));
  return ws;
}

const worktrain = (home: string, argv: string[]) => runWorktrain(argv, { env: homeEnv(home), cwd: home });

async function dispatch(daemon: RunningDaemon, ws: string, goal: string): Promise<string> {
  const token = readFileSync(path.join(path.dirname(daemon.app.config.dataDir), 'api-token'), 'utf8').trim();
  const response = await fetch(`${daemon.url}/api/v2/dispatch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ workflowId: 'acme.wt-gated', goal, workspacePath: ws }),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { data: { sessionId: string } }).data.sessionId;
}

describe('worktrain sessions resume at a human_approval gate', () => {
  it('parks, continues after --approve with the approval in the prompt, and ends with error after --reject', async () => {
    llm = await startScriptedLlmServer({
      script: (request) =>
        request.lastUserText.includes('Current step: Make the file') || request.lastUserText.includes('was approved')
          ? completeStep()
          : { text: 'waiting', delayMs: 30_000 },
    });
    const ws = gatedWorkspace();
    const { daemon, home } = await startTestDaemon(cleanups, {
      triggers: 'triggers: []\n',
      dotEnv: `ANTHROPIC_API_KEY=${API_KEY}\nANTHROPIC_BASE_URL=${llm.anthropicBaseUrl}\n`,
    });

    const approved = await dispatch(daemon, ws, 'Approve me');
    expect(await waitForSession(daemon, approved)).toMatchObject({ state: 'parked' });
    expect(daemon.core.events.since(0).find((e) => e.kind === 'session_parked')).toMatchObject({
      sessionId: approved,
      gateKind: 'human_approval',
      stepId: 'make-file',
    });
    const approve = await worktrain(home, ['sessions', 'resume', approved, '--approve']);
    expect(approve.stderr).toBe('');
    expect(approve.stdout).toContain(`Approved ${approved} (was parked`);
    const done = await waitForSession(daemon, approved);
    expect(done).toMatchObject({ state: 'completed', outcome: 'success' });
    expect(daemon.core.events.since(0).find((e) => e.kind === 'session_resumed')).toMatchObject({
      sessionId: approved,
      reason: 'gate_approved',
    });

    const rejected = await dispatch(daemon, ws, 'Reject me');
    expect(await waitForSession(daemon, rejected)).toMatchObject({ state: 'parked' });
    const reject = await worktrain(home, ['sessions', 'resume', rejected, '--reject', 'not this week']);
    expect(reject.stdout).toContain(`Rejected the gate of ${rejected}`);
    expect(await waitForSession(daemon, rejected)).toMatchObject({
      outcome: 'error',
      detail: 'gate_rejected: not this week',
    });

    const notParked = await worktrain(home, ['sessions', 'resume', approved, '--approve']);
    expect(notParked.code).toBe(1);
    expect(notParked.stderr).toContain('Not resumed (INVALID_STATE)');
  }, 60_000);
});

describe('core.replaceConfig (hot reload)', () => {
  it('drops queued dispatches of a removed trigger with trigger_removed and lets the running one go on', async () => {
    llm = await startScriptedLlmServer({ script: () => ({ text: 'thinking', delayMs: 30_000 }) });
    const ws = gitWorkspace(cleanups);
    const { daemon } = await startTestDaemon(cleanups, {
      triggers: triggersYml(ws, '', llm.anthropicBaseUrl),
      dotEnv: `WEBHOOK_SECRET=whsec-reload-test\nLLM_KEY=${API_KEY}\n`,
    });
    const config = daemon.core.config;
    const trigger = config.triggers[0];
    if (trigger === undefined) throw new Error('no trigger loaded');
    const submit = (n: number) => {
      const result = daemon.core.submit({
        sessionId: `00000000-0000-4000-8000-00000000000${n}`,
        triggerId: trigger.id,
        source: 'dispatch',
        workflowId: trigger.workflowId,
        goal: `Goal ${n}`,
        workspacePath: ws,
        context: {},
        agent: trigger.agent,
        referenceUrls: [],
        soulFile: undefined,
        concurrency: 1,
        maxQueueDepth: 10,
        dedupeKey: null,
        trigger,
      });
      if (result.status !== 'accepted') throw new Error(result.status);
      return result.sessionId;
    };
    const running = submit(1);
    const queued = submit(2);
    for (let i = 0; llm.requests.length === 0 && i < 400; i++) await new Promise((r) => setTimeout(r, 25));

    daemon.core.replaceConfig({ ...config, triggers: [] });
    expect(await waitForSession(daemon, queued)).toMatchObject({ outcome: 'killed', detail: 'trigger_removed' });
    expect(daemon.core.events.since(0).find((e) => e.kind === 'session_dropped')).toMatchObject({
      sessionId: queued,
      reason: 'trigger_removed',
    });
    const found = daemon.core.sessions.find(running);
    expect(found.kind === 'found' && found.session.state).toBe('running');
    expect(daemon.core.config.triggers).toEqual([]);
  });
});
