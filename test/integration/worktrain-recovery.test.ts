// Crash recovery (docs/worktrain.md §7.5, §7.1, §7.6) with the daemon as a real child process: it is SIGKILLed
// mid-session and started again on the same WORKRAIL_HOME.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeForge } from '../support/fake-forge.js';
import { gitRemote, gitRemoteWorkspace } from '../support/git-remote.js';
import { API_KEY, type ScriptedLlmServer, startScriptedLlmServer } from '../support/scripted-llm-server.js';
import { until } from '../support/until.js';
import {
  completeStep,
  gitWorkspace,
  HELLO_HANDOFF,
  homeEnv,
  NOTES,
  runWorktrain,
  tempDir,
  triggersYml,
  WORKFLOW_ID,
} from '../support/worktrain-harness.js';
import { type Daemon, spawnDaemon as spawnDaemonProcess } from '../support/worktrain-processes.js';

const root = path.resolve(import.meta.dirname, '../..');
const cleanups: (() => unknown)[] = [];
let llm: ScriptedLlmServer | undefined;

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await llm?.close();
  llm = undefined;
});

/** The daemon on `home`, as a child process that this file's afterEach kills. */
const spawnDaemon = (home: string): Promise<Daemon> => spawnDaemonProcess(cleanups, home, {});

interface Record {
  sessionId: string;
  state: string;
  outcome: string | null;
  detail: string | null;
  stepAdvances: number;
  resumeCount: number;
}

const session = async (daemon: Daemon, id: string) =>
  (await daemon.api('GET', `/api/v2/sessions/${id}`)).json.data as Record;
const finished = (daemon: Daemon, id: string) =>
  until(async () => {
    const s = await session(daemon, id);
    return s.state === 'completed' ? s : undefined;
  }, `session ${id} to complete`);

function events(home: string): { kind: string; sessionId?: string; reason?: string }[] {
  return readFileSync(path.join(home, 'data', 'daemon-events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { kind: string });
}

function adHocHome(llmUrl: string): string {
  const home = tempDir(cleanups, 'worktrain-recovery-home-');
  writeFileSync(path.join(home, '.env'), `ANTHROPIC_API_KEY=${API_KEY}\nANTHROPIC_BASE_URL=${llmUrl}\n`, {
    mode: 0o600,
  });
  return home;
}

async function dispatch(daemon: Daemon, ws: string, goal: string): Promise<string> {
  const answer = await daemon.api('POST', '/api/v2/dispatch', { workflowId: WORKFLOW_ID, goal, workspacePath: ws });
  expect(answer.status).toBe(202);
  return (answer.json.data as { sessionId: string }).sessionId;
}

describe('crash recovery (real daemon process, SIGKILL and restart)', () => {
  it('resumes a session killed after one advance, with a recovery note, and completes it', async () => {
    llm = await startScriptedLlmServer({
      script: (request) => {
        if (request.allText.includes('the daemon restarted')) return completeStep();
        return request.turn === 1 ? completeStep() : { text: 'thinking', delayMs: 60_000 };
      },
    });
    const ws = gitWorkspace(cleanups);
    const home = adHocHome(llm.anthropicBaseUrl);
    const first = await spawnDaemon(home);
    const id = await dispatch(first, ws, 'Say hello');
    await until(() => (llm?.requests.length === 2 ? true : undefined), 'the second LLM request');
    expect((await session(first, id)).stepAdvances).toBe(1);
    await first.kill();

    const second = await spawnDaemon(home);
    const done = await finished(second, id);
    expect(done).toMatchObject({ outcome: 'success', resumeCount: 1, stepAdvances: 2 });
    const resumed = events(home).filter((e) => e.kind === 'session_resumed' && e.sessionId === id);
    expect(resumed).toEqual([expect.objectContaining({ reason: 'crash_recovery' })]);
    const recoveryPrompt = llm.requests[2]?.lastUserText ?? '';
    expect(recoveryPrompt).toContain('check `git status` first');
    expect(recoveryPrompt).toContain('Summarise');
  }, 90_000);

  it('aborts a session killed before any advance, which `sessions resume` can still force to completion', async () => {
    llm = await startScriptedLlmServer({ script: () => ({ text: 'thinking', delayMs: 60_000 }) });
    const ws = gitWorkspace(cleanups);
    const home = adHocHome(llm.anthropicBaseUrl);
    const first = await spawnDaemon(home);
    const id = await dispatch(first, ws, 'Say hello');
    await until(() => (llm?.requests.length === 1 ? true : undefined), 'the first LLM request');
    await first.kill();

    const second = await spawnDaemon(home);
    const done = await finished(second, id);
    expect(done.outcome).toBe('aborted');
    expect(done.detail).toContain('no step was advanced');
    const completed = events(home).filter((e) => e.kind === 'session_completed' && e.sessionId === id);
    expect(completed).toEqual([expect.objectContaining({ outcome: 'aborted' })]);

    // The operator can still force it: its workrail session and continue token exist.
    llm.setScript(() => completeStep());
    const forced = await second.api('POST', `/api/v2/sessions/${id}/resume`, {});
    expect(forced.status).toBe(200);
    expect(await finished(second, id)).toMatchObject({ outcome: 'success', resumeCount: 1 });
    const resumed = events(home).filter((e) => e.kind === 'session_resumed' && e.sessionId === id);
    expect(resumed).toEqual([expect.objectContaining({ reason: 'forced' })]);
  }, 90_000);

  it('keeps queued dispatches, in order, across a restart', async () => {
    llm = await startScriptedLlmServer({ script: () => ({ text: 'thinking', delayMs: 60_000 }) });
    const ws = gitWorkspace(cleanups);
    const home = tempDir(cleanups, 'worktrain-recovery-home-');
    writeFileSync(path.join(home, 'triggers.yml'), triggersYml(ws, '', llm.anthropicBaseUrl));
    writeFileSync(path.join(home, '.env'), `WEBHOOK_SECRET=whsec-recovery\nLLM_KEY=${API_KEY}\n`, { mode: 0o600 });
    const first = await spawnDaemon(home);
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const answer = await first.api('POST', '/api/v2/dispatch', {
        triggerId: 'fix-issue',
        payload: { action: 'opened', issue: { number: n, title: `Bug ${n}` } },
      });
      ids.push((answer.json.data as { sessionId: string }).sessionId);
    }
    await until(() => (llm?.requests.length === 1 ? true : undefined), 'the first LLM request');
    expect((await session(first, ids[2] as string)).state).toBe('queued');
    await first.kill();

    const second = await spawnDaemon(home);
    expect((await finished(second, ids[0] as string)).outcome).toBe('aborted');
    await until(() => (llm?.requests.length === 2 ? true : undefined), 'the second session to start');
    expect(llm.requests[1]?.allText).toContain('Fix issue #2: Bug 2');
    expect((await session(second, ids[1] as string)).state).toBe('running');
    expect((await session(second, ids[2] as string)).state).toBe('queued');
  }, 90_000);

  it('keeps the kill-switch pause across a restart until `worktrain daemon unpause`', async () => {
    const home = tempDir(cleanups, 'worktrain-recovery-home-');
    writeFileSync(path.join(home, '.env'), `ANTHROPIC_API_KEY=${API_KEY}\n`, { mode: 0o600 });
    const first = await spawnDaemon(home);
    expect((await first.api('POST', '/api/v2/kill-switch', {})).status).toBe(200);
    await first.kill();

    const second = await spawnDaemon(home);
    const status = async () => (await second.api('GET', '/api/v2/status')).json.data as { dispatchPaused: boolean };
    expect((await status()).dispatchPaused).toBe(true);
    const ws = gitWorkspace(cleanups);
    const refused = await second.api('POST', '/api/v2/dispatch', {
      workflowId: WORKFLOW_ID,
      goal: 'x',
      workspacePath: ws,
    });
    expect(refused.status).toBe(503);

    const { code, stdout } = await runWorktrain(['daemon', 'unpause'], { env: homeEnv(home), cwd: root });
    expect(code).toBe(0);
    expect(stdout).toContain('Dispatch resumed.');
    expect((await status()).dispatchPaused).toBe(false);
  }, 60_000);

  it('resumes a worktree session in its kept worktree after a SIGKILL and delivers it', async () => {
    llm = await startScriptedLlmServer({
      script: (request) => {
        if (request.allText.includes('the daemon restarted')) {
          return { toolCalls: [{ name: 'complete_step', input: { notes: NOTES, artifacts: [HELLO_HANDOFF] } }] };
        }
        if (request.turn === 1)
          return { toolCalls: [{ name: 'Write', input: { filePath: 'hello.txt', content: 'hello\n' } }] };
        return request.turn === 2 ? completeStep() : { text: 'thinking', delayMs: 60_000 };
      },
    });
    const forge = await startFakeForge();
    cleanups.push(() => forge.close());
    const { workspace, remote } = gitRemoteWorkspace(cleanups);
    const home = tempDir(cleanups, 'worktrain-recovery-home-');
    const delivery = `    branchStrategy: worktree
    autoCommit: true
    autoPush: true
    autoOpenPR: true
    forge: { kind: github, repo: acme/widgets, apiBaseUrl: "${forge.url}", token: $FORGE_TOKEN }
`;
    writeFileSync(path.join(home, 'triggers.yml'), triggersYml(workspace, delivery, llm.anthropicBaseUrl));
    writeFileSync(
      path.join(home, '.env'),
      `WEBHOOK_SECRET=whsec-recovery\nLLM_KEY=${API_KEY}\nFORGE_TOKEN=${forge.token}\n`,
      { mode: 0o600 },
    );
    const first = await spawnDaemon(home);
    const answer = await first.api('POST', '/api/v2/dispatch', {
      triggerId: 'fix-issue',
      payload: { action: 'opened', issue: { number: 9, title: 'Say hello' } },
    });
    const id = (answer.json.data as { sessionId: string }).sessionId;
    await until(() => (llm?.requests.length === 3 ? true : undefined), 'the third LLM request');
    await first.kill();
    const worktree = path.join(home, 'worktrees', id);
    expect(readFileSync(path.join(worktree, 'hello.txt'), 'utf8')).toBe('hello\n');

    const second = await spawnDaemon(home);
    const done = await finished(second, id);
    expect(done).toMatchObject({ outcome: 'success', resumeCount: 1 });
    expect((done as unknown as { delivery: { status: string; prUrl: string } }).delivery).toMatchObject({
      status: 'completed',
      prUrl: forge.github.pulls('acme/widgets')[0]?.html_url,
    });
    expect(gitRemote(remote, 'show', `worktrain/${id}:hello.txt`)).toBe('hello');
  }, 90_000);
});
