// Notices and callbacks end to end (docs/worktrain.md §2.4, §8.6, §10): a real daemon in process writes outbox
// notices for failed, delivered and undeliverable sessions, POSTs to WORKTRAIN_NOTIFY_WEBHOOK and to a trigger's
// callbackUrl on local HTTP servers, and `worktrain inbox` / `worktrain tell` read and write daemon.db.
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/worktrain.js';
import { type RunningDaemon, startDaemon } from '../../src/daemon/daemon.js';
import { createRedactor } from '../../src/daemon/redact.js';
import { signBody } from '../../src/daemon/signature.js';
import { openDaemonDb } from '../../src/daemon/state/daemon-db.js';
import { createOutbox, type Message, type Notice } from '../../src/daemon/state/notices.js';
import { FORGE_TOKEN, startFakeForge } from '../support/fake-forge.js';
import { gitRemoteWorkspace } from '../support/git-remote.js';
import { API_KEY, type Reply, type ScriptedLlmServer, startScriptedLlmServer } from '../support/scripted-llm-server.js';
import { until } from '../support/until.js';
import {
  completeStep,
  gitWorkspace,
  HELLO_HANDOFF,
  homeEnv,
  NOTES,
  runWorktrain,
  startTestDaemon,
  triggersYml,
} from '../support/worktrain-harness.js';

const SECRET = 'whsec-notices-5a6b7c8d';
const cleanups: (() => unknown)[] = [];
let llm: ScriptedLlmServer | undefined;

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await llm?.close();
  llm = undefined;
});

const deliveringAgent = (): Reply[] => [
  { toolCalls: [{ name: 'Write', input: { filePath: 'hello.txt', content: 'hello\n' } }] },
  completeStep(),
  { toolCalls: [{ name: 'complete_step', input: { notes: NOTES, artifacts: [HELLO_HANDOFF] } }] },
];

/** A local HTTP server that records every request body. */
async function recorder(): Promise<{ url: string; bodies: { path: string; body: unknown }[] }> {
  const bodies: { path: string; body: unknown }[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => {
      raw += chunk.toString('utf8');
    });
    req.on('end', () => {
      bodies.push({ path: req.url ?? '', body: JSON.parse(raw) as unknown });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies };
}

async function fire(daemon: RunningDaemon, title = 'Say hello'): Promise<string> {
  const body = JSON.stringify({ action: 'opened', issue: { number: 7, title } });
  const response = await fetch(`${daemon.url}/webhook/fix-issue`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'X-WorkRail-Signature': signBody(SECRET, body) },
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { sessionId: string }).sessionId;
}

/** The stored notices (read without moving the inbox cursor) and messages. */
function stored(home: string): { notices: Notice[]; messages: Message[] } {
  const db = openDaemonDb(path.join(home, 'data'));
  try {
    const outbox = createOutbox(db, createRedactor());
    return { notices: outbox.unreadNotices(), messages: outbox.messagesAfter(0) };
  } finally {
    db.close();
  }
}

const worktrain = (argv: string[], home: string, untilStopped?: () => Promise<void>) =>
  runWorktrain(argv, { env: homeEnv(home), cwd: home, ...(untilStopped === undefined ? {} : { untilStopped }) });

async function deliveringDaemon(extraEnv: Record<string, string> = {}) {
  llm = await startScriptedLlmServer({ script: deliveringAgent() });
  const forge = await startFakeForge();
  cleanups.push(() => forge.close());
  const { workspace } = gitRemoteWorkspace(cleanups);
  const delivery = `    branchStrategy: worktree
    autoCommit: true
    autoPush: true
    autoOpenPR: true
    forge: { kind: github, repo: acme/widgets, apiBaseUrl: "${forge.url}", token: $FORGE_TOKEN }
`;
  const started = await startTestDaemon(cleanups, {
    triggers: triggersYml(workspace, delivery, llm.anthropicBaseUrl),
    dotEnv: `WEBHOOK_SECRET=${SECRET}\nLLM_KEY=${API_KEY}\nFORGE_TOKEN=${FORGE_TOKEN}\n`,
    env: extraEnv,
  });
  return { ...started, forge };
}

function noSecretIn(value: unknown): void {
  const text = JSON.stringify(value);
  for (const secret of [API_KEY, SECRET, FORGE_TOKEN]) expect(text).not.toContain(secret);
}

describe('outbox notices', () => {
  it('writes a notice with the outcome when a session fails, and POSTs the session to WORKTRAIN_NOTIFY_WEBHOOK', async () => {
    const hook = await recorder();
    llm = await startScriptedLlmServer({ script: [{ status: 404 }] });
    const ws = gitWorkspace(cleanups);
    const { daemon, home } = await startTestDaemon(cleanups, {
      triggers: triggersYml(ws, '', llm.anthropicBaseUrl),
      dotEnv: `WEBHOOK_SECRET=${SECRET}\nLLM_KEY=${API_KEY}\n`,
      env: { WORKTRAIN_NOTIFY_WEBHOOK: `${hook.url}/notify` },
    });
    const id = await fire(daemon, `leaked ${API_KEY}`);

    const notice = await until(() => stored(home).notices.find((n) => n.sessionId === id), 'the failure notice');
    expect(notice).toMatchObject({ kind: 'session_completed', triggerId: 'fix-issue', data: { outcome: 'error' } });
    expect(notice.text).toContain(`Session ${id}`);
    expect(notice.text).toContain('ended error');
    expect(String(notice.data.goal)).toContain('[REDACTED]');
    noSecretIn(notice);

    const posted = await until(() => hook.bodies.find((b) => b.path === '/notify'), 'the notify webhook');
    expect(posted.body).toMatchObject({
      event: 'session_completed',
      sessionId: id,
      triggerId: 'fix-issue',
      workflowId: 'acme.wt-fixture',
      outcome: 'error',
      prUrl: null,
    });
    const body = posted.body as { [key: string]: unknown };
    expect(Object.keys(body).sort()).toEqual(
      ['detail', 'event', 'goal', 'outcome', 'prUrl', 'sessionId', 'timestamp', 'triggerId', 'workflowId'].sort(),
    );
    expect(Number.isNaN(Date.parse(String(body.timestamp)))).toBe(false);
    noSecretIn(body);
  }, 60_000);

  it('writes a notice with the PR URL once a delivered session has opened its PR', async () => {
    const { daemon, home, forge } = await deliveringDaemon();
    const id = await fire(daemon);

    const notice = await until(() => stored(home).notices.find((n) => n.sessionId === id), 'the success notice');
    const pulls = forge.github.pulls('acme/widgets');
    expect(pulls).toHaveLength(1);
    expect(notice).toMatchObject({
      kind: 'session_completed',
      data: { outcome: 'success', prUrl: pulls[0]?.html_url },
    });
    expect(notice.text).toContain(String(pulls[0]?.html_url));
    noSecretIn(stored(home).notices);
  }, 60_000);

  it('writes a delivery_failed notice with the worktree path and `worktrain sessions deliver <id>`; a retried delivery notes the PR', async () => {
    const hook = await recorder();
    const { daemon, home, forge } = await deliveringDaemon({ WORKTRAIN_NOTIFY_WEBHOOK: `${hook.url}/notify` });
    forge.failNext('POST', /\/repos\/acme\/widgets\/pulls$/, 500);
    const id = await fire(daemon);

    const notice = await until(
      () => stored(home).notices.find((n) => n.sessionId === id && n.kind === 'delivery_failed'),
      'the delivery_failed notice',
    );
    const worktree = path.join(home, 'worktrees', id);
    expect(notice.data).toMatchObject({ stage: 'open_pr', worktreePath: worktree });
    expect(notice.text).toContain(`worktrain sessions deliver ${id}`);
    expect(notice.text).toContain(worktree);
    expect(stored(home).notices.filter((n) => n.sessionId === id)).toHaveLength(1);
    noSecretIn(stored(home).notices);

    const status = await worktrain(['daemon', 'status', '--json'], home);
    expect(JSON.parse(status.stdout)).toMatchObject({ sessions: { deliveryFailed: 1 } });
    const human = await worktrain(['daemon', 'status'], home);
    expect(human.stdout).toContain('Delivery failures: 1');

    expect((await worktrain(['sessions', 'deliver', id], home)).code).toBe(0);
    const delivered = await until(
      () => stored(home).notices.find((n) => n.sessionId === id && n.kind === 'session_completed'),
      'the success notice',
    );
    const prUrl = forge.github.pulls('acme/widgets')[0]?.html_url;
    expect(delivered.data).toMatchObject({ outcome: 'success', prUrl });
    await until(
      () => hook.bodies.find((b) => (b.body as { prUrl?: unknown }).prUrl === prUrl),
      'the webhook after the retry',
    );
  }, 60_000);

  it("POSTs the final session to the trigger's callbackUrl and emits callback_delivered", async () => {
    const callback = await recorder();
    llm = await startScriptedLlmServer({ script: [completeStep(), completeStep()] });
    const ws = gitWorkspace(cleanups);
    const { daemon, home } = await startTestDaemon(cleanups, {
      triggers: triggersYml(ws, `    callbackUrl: ${callback.url}/done\n`, llm.anthropicBaseUrl),
      dotEnv: `WEBHOOK_SECRET=${SECRET}\nLLM_KEY=${API_KEY}\n`,
    });
    const id = await fire(daemon);

    const posted = await until(() => callback.bodies.find((b) => b.path === '/done'), 'the callback');
    expect(posted.body).toMatchObject({
      sessionId: id,
      state: 'completed',
      outcome: 'success',
      triggerId: 'fix-issue',
    });
    noSecretIn(posted.body);
    const delivered = await until(
      () => daemon.core.events.since(0).find((e) => e.kind === 'callback_delivered' && e.sessionId === id),
      'callback_delivered',
    );
    expect(delivered).toMatchObject({ status: 200 });
    const notice = await until(() => stored(home).notices.find((n) => n.sessionId === id), 'the success notice');
    expect(notice.data).toMatchObject({ outcome: 'success', prUrl: null });
  }, 60_000);

  it('writes a notice for a session that crash recovery ends as aborted', async () => {
    llm = await startScriptedLlmServer({ script: [{ ...completeStep(), delayMs: 3000 }] });
    const ws = gitWorkspace(cleanups);
    const first = await startTestDaemon(cleanups, {
      triggers: triggersYml(ws, '', llm.anthropicBaseUrl),
      dotEnv: `WEBHOOK_SECRET=${SECRET}\nLLM_KEY=${API_KEY}\n`,
    });
    const id = await fire(first.daemon);
    await until(() => (llm?.requests.length ?? 0) > 0 || undefined, 'the session to run');
    await first.daemon.stop();

    const again = await startDaemon({
      env: {
        PATH: process.env.PATH ?? '',
        HOME: first.home,
        WORKRAIL_HOME: first.home,
        WORKFLOW_INCLUDE_USER: 'false',
      },
      port: 0,
      logDestination: { write: () => undefined },
    });
    if (!again.ok) throw new Error(again.message);
    cleanups.push(() => again.daemon.stop());
    const notice = await until(() => stored(first.home).notices.find((n) => n.sessionId === id), 'the aborted notice');
    expect(notice).toMatchObject({ kind: 'session_completed', data: { outcome: 'aborted' } });
    expect(notice.text).toContain('crash_recovery');
  }, 60_000);

  it('writes a notice when a polled item is escalated to a human', async () => {
    llm = await startScriptedLlmServer({ script: () => ({ status: 400 }) });
    const forge = await startFakeForge();
    cleanups.push(() => forge.close());
    const ws = gitWorkspace(cleanups);
    const { daemon, home } = await startTestDaemon(cleanups, {
      triggers: `triggers:
  - id: queue
    provider: github_queue_poll
    workflowId: acme.wt-fixture
    workspacePath: ${ws}
    maxDispatchAttempts: 1
    agentConfig: { provider: anthropic, baseUrl: ${llm.anthropicBaseUrl}, apiKey: $LLM_KEY }
    source: { repo: acme/api, token: $FORGE_TOKEN, queueType: label, queueLabel: worktrain }
`,
      dotEnv: `LLM_KEY=${API_KEY}\nFORGE_TOKEN=${FORGE_TOKEN}\n`,
      env: { GITHUB_API_URL: forge.url },
    });
    forge.github.seedIssue('acme/api', { title: 'Hard bug', labels: ['worktrain'] });
    const report = await daemon.pollers.pollNow('queue');
    expect(report.dispatched).toHaveLength(1);

    const notice = await until(
      () => stored(home).notices.find((n) => n.kind === 'item_escalated'),
      'the escalation notice',
    );
    expect(notice).toMatchObject({ triggerId: 'queue', data: { itemKey: 'github:acme/api#1', attempts: 1 } });
    expect(notice.text).toContain('worktrain trigger retry queue github:acme/api#1');
    await daemon.pollers.settled();
  }, 60_000);

  it('writes a notice when a changed triggers.yml is not reloaded', async () => {
    const ws = gitWorkspace(cleanups);
    const original = triggersYml(ws, '', 'http://127.0.0.1:9');
    const { home } = await startTestDaemon(cleanups, {
      triggers: original,
      dotEnv: `WEBHOOK_SECRET=${SECRET}\nLLM_KEY=${API_KEY}\n`,
    });
    writeFileSync(path.join(home, 'triggers.yml'), `${original}  - id: broken\n    provider: [generic\n`);

    const notice = await until(
      () => stored(home).notices.find((n) => n.kind === 'triggers_reload_failed'),
      'the reload notice',
    );
    expect(notice.text).toContain('previous triggers stay in force');
    expect(notice.text).toMatch(/triggers\.yml:\d+:\d+ error \[yaml-syntax\]/);
  }, 60_000);
});

describe('worktrain inbox and tell', () => {
  it('`inbox --json` shows the unread notices once, then nothing', async () => {
    llm = await startScriptedLlmServer({ script: [{ status: 404 }] });
    const ws = gitWorkspace(cleanups);
    const { daemon, home } = await startTestDaemon(cleanups, {
      triggers: triggersYml(ws, '', llm.anthropicBaseUrl),
      dotEnv: `WEBHOOK_SECRET=${SECRET}\nLLM_KEY=${API_KEY}\n`,
    });
    const id = await fire(daemon);
    await until(() => stored(home).notices.find((n) => n.sessionId === id), 'the notice');

    const first = await worktrain(['inbox', '--json'], home);
    expect(first.code).toBe(0);
    const notices = (JSON.parse(first.stdout) as { notices: Notice[] }).notices;
    expect(notices.map((n) => [n.kind, n.sessionId])).toEqual([['session_completed', id]]);
    noSecretIn(first.stdout);

    const second = await worktrain(['inbox', '--json'], home);
    expect(JSON.parse(second.stdout)).toEqual({ notices: [] });
    const human = await worktrain(['inbox'], home);
    expect([human.code, human.stdout, human.stderr]).toEqual([0, '', 'No unread notices.\n']);
  }, 60_000);

  it('`inbox --watch --json` prints each new notice as a JSON line until stopped', async () => {
    llm = await startScriptedLlmServer({ script: () => ({ status: 404 }) });
    const ws = gitWorkspace(cleanups);
    const { daemon, home } = await startTestDaemon(cleanups, {
      triggers: triggersYml(ws, '', llm.anthropicBaseUrl),
      dotEnv: `WEBHOOK_SECRET=${SECRET}\nLLM_KEY=${API_KEY}\n`,
    });
    const first = await fire(daemon, 'first');
    await until(() => stored(home).notices.find((n) => n.sessionId === first), 'the first notice');

    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const lines: string[] = [];
    const watching = main(
      ['inbox', '--watch', '--json'],
      {
        stdout: (t) => lines.push(...t.split('\n').filter((l) => l !== '')),
        stderr: () => undefined,
        env: { PATH: process.env.PATH ?? '', HOME: home, WORKRAIL_HOME: home },
        cwd: home,
      },
      () => stopped,
    );
    await until(() => lines[0], 'the first line');
    const second = await fire(daemon, 'second');
    await until(() => lines[1], 'the second line');
    stop();
    expect(await watching).toBe(0);
    expect(lines.map((l) => (JSON.parse(l) as Notice).sessionId)).toEqual([first, second]);
    expect((await worktrain(['inbox', '--json'], home)).stdout).toBe('{"notices":[]}\n');
  }, 60_000);

  it('`tell` stores a message in daemon.db; an empty message exits 2; --session steers through the daemon', async () => {
    llm = await startScriptedLlmServer({ script: [] });
    const ws = gitWorkspace(cleanups);
    const { home } = await startTestDaemon(cleanups, {
      triggers: triggersYml(ws, '', llm.anthropicBaseUrl),
      dotEnv: `WEBHOOK_SECRET=${SECRET}\nLLM_KEY=${API_KEY}\n`,
    });

    const told = await worktrain(['tell', 'look at the flaky test', '--priority', '--workspace', 'web'], home);
    expect(told.code).toBe(0);
    expect(stored(home).messages).toMatchObject([{ text: 'look at the flaky test', priority: true, workspace: 'web' }]);

    const leaked = await worktrain(['tell', `the key is ${API_KEY}`], home);
    expect(leaked.code).toBe(0);
    expect(stored(home).messages[1]?.text).toBe('the key is [REDACTED]');

    const empty = await worktrain(['tell', '  '], home);
    expect(empty.code).toBe(2);
    expect(stored(home).messages).toHaveLength(2);

    const steer = await worktrain(['tell', 'stop that', '--session', 'no-such-session'], home);
    expect(steer.code).toBe(1);
    expect(steer.stderr).toContain('Cannot steer session no-such-session (SESSION_NOT_FOUND)');
  }, 60_000);
});
