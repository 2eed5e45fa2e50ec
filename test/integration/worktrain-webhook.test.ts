import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { signBody } from '../../src/daemon/signature.js';
import { API_KEY, type ScriptedLlmServer, startScriptedLlmServer } from '../support/scripted-llm-server.js';
import {
  gitWorkspace,
  happyScript,
  startTestDaemon,
  triggersYml,
  waitForSession,
} from '../support/worktrain-harness.js';

const SECRET = 'whsec-test-4f1e2d3c';
const cleanups: (() => unknown)[] = [];
let llm: ScriptedLlmServer | undefined;

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await llm?.close();
  llm = undefined;
});

const PAYLOAD = JSON.stringify({ action: 'opened', issue: { number: 42, title: 'Login is flaky' } });

async function setup(provider: 'anthropic' | 'openai' = 'anthropic') {
  llm = await startScriptedLlmServer({ script: happyScript() });
  const ws = gitWorkspace(cleanups);
  const base = provider === 'anthropic' ? llm.anthropicBaseUrl : llm.openaiBaseUrl;
  const test = await startTestDaemon(cleanups, {
    triggers: triggersYml(ws, '', base, provider),
    dotEnv: `WEBHOOK_SECRET=${SECRET}\nLLM_KEY=${API_KEY}\n`,
  });
  return { ws, ...test, llm };
}

function post(url: string, body: string, headers: Record<string, string>) {
  return fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
}

describe('POST /webhook/:triggerId', () => {
  for (const provider of ['anthropic', 'openai'] as const) {
    it(`runs a signed webhook to a completed session over the ${provider} wire format`, async () => {
      const { ws, daemon, llm: server } = await setup(provider);
      const response = await post(`${daemon.url}/webhook/fix-issue`, PAYLOAD, {
        'X-WorkRail-Signature': signBody(SECRET, PAYLOAD),
      });
      expect(response.status).toBe(202);
      const body = (await response.json()) as { status: string; sessionId: string };
      expect(body.status).toBe('accepted');

      const session = await waitForSession(daemon, body.sessionId);
      expect({ outcome: session.outcome, detail: session.detail }).toEqual({ outcome: 'success', detail: null });
      expect(session.stepAdvances).toBe(2);
      expect(readFileSync(path.join(ws, 'out.txt'), 'utf8')).toBe('hello\n');
      expect(server.violations).toEqual([]);
      expect(server.requests).toHaveLength(3);
      expect(server.requests[0]?.allText).toContain('Fix issue #42: Login is flaky');
      expect(server.requests[0]?.allText).toContain('Always write tests.');
      expect(server.requests[1]?.lastUserText).toContain('hello');
      expect(session.tokens.input).toBeGreaterThan(0);

      const stored = daemon.app.store.read((r) => r.listRecentSessions(10));
      const workrail = stored.find((s) => s.sessionId === session.workrailSessionId);
      expect(workrail?.isComplete).toBe(true);
      expect(workrail?.workflowId).toBe('acme.wt-fixture');
    });
  }

  it('accepts GitHub X-Hub-Signature-256', async () => {
    const { daemon } = await setup();
    const response = await post(`${daemon.url}/webhook/fix-issue`, PAYLOAD, {
      'X-Hub-Signature-256': signBody(SECRET, PAYLOAD),
    });
    expect(response.status).toBe(202);
    await waitForSession(daemon, ((await response.json()) as { sessionId: string }).sessionId);
  });

  it('answers 401 to a wrong or missing signature and dispatches nothing', async () => {
    const { daemon, llm: server } = await setup();
    const wrong = await post(`${daemon.url}/webhook/fix-issue`, PAYLOAD, {
      'X-WorkRail-Signature': signBody('other-secret', PAYLOAD),
    });
    const missing = await post(`${daemon.url}/webhook/fix-issue`, PAYLOAD, {});
    const tampered = await post(`${daemon.url}/webhook/fix-issue`, `${PAYLOAD} `, {
      'X-WorkRail-Signature': signBody(SECRET, PAYLOAD),
    });
    expect([wrong.status, missing.status, tampered.status]).toEqual([401, 401, 401]);
    expect(await wrong.json()).toEqual({ error: 'Invalid signature' });
    expect(daemon.core.sessions.list()).toEqual([]);
    expect(server.requests).toEqual([]);
  });

  it('answers 404 for an unknown trigger', async () => {
    const { daemon } = await setup();
    const response = await post(`${daemon.url}/webhook/nope`, PAYLOAD, {});
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'Unknown trigger: nope' });
  });

  it('ignores a payload whose dispatchCondition is false with 202 ignored', async () => {
    const { daemon } = await setup();
    const closed = JSON.stringify({ action: 'closed', issue: { number: 1, title: 'x' } });
    const response = await post(`${daemon.url}/webhook/fix-issue`, closed, {
      'X-WorkRail-Signature': signBody(SECRET, closed),
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ status: 'ignored', reason: 'dispatch_condition' });
    expect(daemon.core.sessions.list()).toEqual([]);
  });

  it('answers 400 when the goal template cannot be filled and there is no goal', async () => {
    const { daemon } = await setup();
    const bare = JSON.stringify({ action: 'opened' });
    const response = await post(`${daemon.url}/webhook/fix-issue`, bare, {
      'X-WorkRail-Signature': signBody(SECRET, bare),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'goalTemplate token {{$.issue.number}} not found in payload' });
  });

  it('answers 400 to invalid JSON and to a non-object body', async () => {
    const { daemon } = await setup();
    for (const body of ['{not json', '[1,2]']) {
      const response = await post(`${daemon.url}/webhook/fix-issue`, body, {
        'X-WorkRail-Signature': signBody(SECRET, body),
      });
      expect(response.status).toBe(400);
    }
    expect(existsSync(daemon.app.config.dataDir)).toBe(true);
  });

  it('answers a repeated payload within the dedupe window with 202 duplicate', async () => {
    const { daemon } = await setup();
    const headers = { 'X-WorkRail-Signature': signBody(SECRET, PAYLOAD) };
    const first = (await (await post(`${daemon.url}/webhook/fix-issue`, PAYLOAD, headers)).json()) as {
      sessionId: string;
    };
    const second = await post(`${daemon.url}/webhook/fix-issue`, PAYLOAD, headers);
    expect(second.status).toBe(202);
    expect(await second.json()).toEqual({ status: 'duplicate', sessionId: first.sessionId });
    await waitForSession(daemon, first.sessionId);
  });
});

describe('admission', () => {
  it('answers 429 with Retry-After when the trigger queue is full', async () => {
    llm = await startScriptedLlmServer({ script: () => ({ text: 'slow', delayMs: 10_000 }) });
    const ws = gitWorkspace(cleanups);
    const yml = triggersYml(ws, '    maxQueueDepth: 1\n', llm.anthropicBaseUrl).replace(
      '    goalTemplate: "Fix issue #{{$.issue.number}}: {{$.issue.title}}"',
      '    goalTemplate: "Fix issue #{{$.issue.number}}"',
    );
    const { daemon } = await startTestDaemon(cleanups, {
      triggers: yml,
      dotEnv: `WEBHOOK_SECRET=${SECRET}\nLLM_KEY=${API_KEY}\n`,
    });
    const fire = (n: number) => {
      const body = JSON.stringify({ action: 'opened', issue: { number: n } });
      return post(`${daemon.url}/webhook/fix-issue`, body, { 'X-WorkRail-Signature': signBody(SECRET, body) });
    };
    expect((await fire(1)).status).toBe(202); // running (concurrency 1)
    expect((await fire(2)).status).toBe(202); // queued (depth 1)
    const full = await fire(3);
    expect(full.status).toBe(429);
    expect(full.headers.get('retry-after')).toBe('3600');
    expect(await full.json()).toEqual({ error: 'Trigger queue is full', queueDepth: 1, maxQueueDepth: 1 });
  });
});
