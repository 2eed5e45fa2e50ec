// A webhook session with `branchStrategy: worktree` end to end (docs/worktrain.md §8.1, §8.3): the agent works in its
// own worktree, and after success the daemon commits, pushes to a bare origin and opens the PR on the fake forge;
// a delivery failure is shown by the API and fixed by `worktrain sessions deliver`.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningDaemon } from '../../src/daemon/daemon.js';
import type { DaemonSession } from '../../src/daemon/sessions.js';
import { signBody } from '../../src/daemon/signature.js';
import { openDaemonDb } from '../../src/daemon/state/daemon-db.js';
import { type FakeForge, startFakeForge } from '../support/fake-forge.js';
import { gitRemote, gitRemoteWorkspace } from '../support/git-remote.js';
import { API_KEY, type ScriptedLlmServer, startScriptedLlmServer } from '../support/scripted-llm-server.js';
import {
  completeStep,
  gitWorkspace,
  HELLO_HANDOFF,
  homeEnv,
  NOTES,
  runWorktrain,
  startTestDaemon,
  triggersYml,
  waitForSession,
} from '../support/worktrain-harness.js';

const SECRET = 'whsec-worktree-session-1f2e';
const cleanups: (() => unknown)[] = [];
let llm: ScriptedLlmServer | undefined;

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await llm?.close();
  llm = undefined;
});

/** Writes hello.txt in the session root, completes step one, then completes the workflow with the handoff. */
const agentScript = () => [
  { toolCalls: [{ name: 'Write', input: { filePath: 'hello.txt', content: 'hello\n' } }] },
  completeStep(),
  { toolCalls: [{ name: 'complete_step', input: { notes: NOTES, artifacts: [HELLO_HANDOFF] } }] },
];

async function setup(): Promise<{ daemon: RunningDaemon; home: string; remote: string; forge: FakeForge }> {
  llm = await startScriptedLlmServer({ script: agentScript() });
  const forge = await startFakeForge();
  cleanups.push(() => forge.close());
  const { workspace, remote } = gitRemoteWorkspace(cleanups);
  const delivery = `    branchStrategy: worktree
    autoCommit: true
    autoPush: true
    autoOpenPR: true
    forge: { kind: github, repo: acme/widgets, apiBaseUrl: "${forge.url}", token: $FORGE_TOKEN }
`;
  const { daemon, home } = await startTestDaemon(cleanups, {
    triggers: triggersYml(workspace, delivery, llm.anthropicBaseUrl),
    dotEnv: `WEBHOOK_SECRET=${SECRET}\nLLM_KEY=${API_KEY}\nFORGE_TOKEN=${forge.token}\n`,
  });
  return { daemon, home, remote, forge };
}

async function fire(daemon: RunningDaemon): Promise<string> {
  const body = JSON.stringify({ action: 'opened', issue: { number: 7, title: 'Say hello' } });
  const response = await fetch(`${daemon.url}/webhook/fix-issue`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'X-WorkRail-Signature': signBody(SECRET, body) },
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { sessionId: string }).sessionId;
}

async function settled(daemon: RunningDaemon, id: string, states: readonly string[]): Promise<DaemonSession> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const answer = (await (await fetch(`${daemon.url}/api/v2/sessions/${id}`)).json()) as { data: DaemonSession };
    if (states.includes(answer.data.state)) return answer.data;
    if (Date.now() > deadline) throw new Error(`session ${id} still ${answer.data.state}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function storedSidecar(home: string, id: string): unknown {
  const db = openDaemonDb(path.join(home, 'data'));
  try {
    return (db.prepare('SELECT sidecar FROM daemon_sessions WHERE session_id = ?').get(id) as { sidecar: unknown })
      .sidecar;
  } finally {
    db.close();
  }
}

describe('a branchStrategy: worktree session with autoCommit, autoPush and autoOpenPR', () => {
  it('works in its own worktree, pushes worktrain/<id> to origin, opens the PR, removes the worktree and sidecar', async () => {
    const { daemon, home, remote, forge } = await setup();
    const id = await fire(daemon);
    const worktree = path.join(home, 'worktrees', id);

    const done = await settled(daemon, id, ['completed', 'delivery_failed']);
    expect(done).toMatchObject({ state: 'completed', outcome: 'success', branch: `worktrain/${id}` });
    const pulls = forge.github.pulls('acme/widgets');
    expect(pulls).toHaveLength(1);
    expect(done.delivery).toMatchObject({ status: 'completed', prUrl: pulls[0]?.html_url, error: null });
    expect(done.delivery.commitShas).toHaveLength(1);
    expect(pulls[0]).toMatchObject({ title: '[WT] Say hello' });

    expect(gitRemote(remote, 'log', '-1', '--format=%s', `worktrain/${id}`)).toBe('feat: say hello');
    expect(gitRemote(remote, 'show', `worktrain/${id}:hello.txt`)).toBe('hello');
    expect(gitRemote(remote, 'rev-parse', `worktrain/${id}`)).toBe(done.delivery.commitShas[0]);
    expect(existsSync(worktree)).toBe(false);
    expect(done.worktreePath).toBeNull();
    expect(storedSidecar(home, id)).toBeNull();

    const kinds = daemon.core.events
      .since(0)
      .filter((e) => e.sessionId === id)
      .map((e) => (e.kind === 'delivery_stage' ? `${e.kind}:${String(e.stage)}` : e.kind));
    expect(kinds).toEqual(
      expect.arrayContaining([
        'delivery_stage:commit',
        'delivery_stage:push',
        'delivery_stage:open_pr',
        'delivery_completed',
        'session_completed',
      ]),
    );
    const started = daemon.core.events.since(0).find((e) => e.kind === 'session_started' && e.sessionId === id);
    expect(started).toMatchObject({ worktreePath: worktree, branch: `worktrain/${id}` });
  }, 60_000);

  it('shows a failed open_pr as delivery_failed with the worktree kept, and `sessions deliver` finishes it', async () => {
    const { daemon, home, forge } = await setup();
    forge.failNext('POST', /\/repos\/acme\/widgets\/pulls$/, 500);
    const id = await fire(daemon);
    const worktree = path.join(home, 'worktrees', id);

    const failed = await settled(daemon, id, ['completed', 'delivery_failed']);
    expect(failed).toMatchObject({ state: 'delivery_failed', outcome: 'success', worktreePath: worktree });
    expect(failed.delivery).toMatchObject({ status: 'failed', stage: 'open_pr' });
    expect(failed.delivery.error).toContain('failed with 500');
    expect(existsSync(worktree)).toBe(true);
    expect(daemon.core.events.since(0).find((e) => e.kind === 'delivery_failed')).toMatchObject({
      sessionId: id,
      stage: 'open_pr',
    });

    const { code, stdout, stderr } = await runWorktrain(['sessions', 'deliver', id.slice(0, 8)], {
      env: homeEnv(home),
      cwd: home,
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`Delivery of ${id} queued`);

    const delivered = await settled(daemon, id, ['completed']);
    expect(delivered.delivery).toMatchObject({ status: 'completed', error: null });
    expect(delivered.delivery.prUrl).toBe(forge.github.pulls('acme/widgets')[0]?.html_url);
    expect(existsSync(worktree)).toBe(false);
    expect(storedSidecar(home, id)).toBeNull();
    const completions = daemon.core.events.since(0).filter((e) => e.kind === 'session_completed' && e.sessionId === id);
    expect(completions).toHaveLength(1);
  }, 60_000);

  it('ends with error worktree_setup_failed when the workspace has no origin, before any LLM call', async () => {
    llm = await startScriptedLlmServer({ script: agentScript() });
    const workspace = gitWorkspace(cleanups);
    const { daemon } = await startTestDaemon(cleanups, {
      triggers: triggersYml(workspace, '    branchStrategy: worktree\n', llm.anthropicBaseUrl),
      dotEnv: `WEBHOOK_SECRET=${SECRET}\nLLM_KEY=${API_KEY}\n`,
    });
    const id = await fire(daemon);
    const done = await waitForSession(daemon, id);
    expect(done.outcome).toBe('error');
    expect(done.detail).toMatch(/^worktree_setup_failed: /);
    expect(llm.requests).toHaveLength(0);
  });
});
