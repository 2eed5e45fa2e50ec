import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { signBody } from '../../src/daemon/signature.js';
import { API_KEY, type ScriptedLlmServer, startScriptedLlmServer } from '../support/scripted-llm-server.js';
import { gitWorkspace, startTestDaemon, triggersYml, waitForSession } from '../support/worktrain-harness.js';

const SECRET = 'whsec-kill-switch-5a6b7c';
const cleanups: (() => unknown)[] = [];
let llm: ScriptedLlmServer | undefined;

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await llm?.close();
  llm = undefined;
});

function webhook(url: string, issue: number) {
  const body = JSON.stringify({ action: 'opened', issue: { number: issue, title: 'Flaky login' } });
  return fetch(`${url}/webhook/fix-issue`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'X-WorkRail-Signature': signBody(SECRET, body) },
  });
}

describe('the kill switch (POST/DELETE /api/v2/kill-switch)', () => {
  it('kills the running session, drops the queued one, answers webhooks 503 until unpaused', async () => {
    // Every LLM call hangs: the first session stays running, the second waits in the trigger's queue (concurrency 1).
    llm = await startScriptedLlmServer({ script: () => ({ text: 'thinking', delayMs: 20_000 }) });
    const ws = gitWorkspace(cleanups);
    const { daemon, home, eventsFile } = await startTestDaemon(cleanups, {
      triggers: triggersYml(ws, '', llm.anthropicBaseUrl),
      dotEnv: `WEBHOOK_SECRET=${SECRET}\nLLM_KEY=${API_KEY}\n`,
    });
    const token = readFileSync(path.join(home, 'api-token'), 'utf8').trim();
    const api = (method: string, route: string, body?: unknown, auth = true) =>
      fetch(`${daemon.url}${route}`, {
        method,
        headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    const running = ((await (await webhook(daemon.url, 1)).json()) as { sessionId: string }).sessionId;
    const queued = ((await (await webhook(daemon.url, 2)).json()) as { sessionId: string }).sessionId;
    for (let i = 0; llm.requests.length === 0 && i < 400; i++) await new Promise((r) => setTimeout(r, 25));
    expect(llm.requests).toHaveLength(1);

    expect((await api('POST', '/api/v2/kill-switch', {}, false)).status).toBe(401);
    const engaged = await api('POST', '/api/v2/kill-switch', { reason: 'stop everything' });
    expect(engaged.status).toBe(200);
    expect(((await engaged.json()) as { data: unknown }).data).toEqual({
      killed: [running],
      dropped: [queued],
      paused: 'all',
    });
    expect((await waitForSession(daemon, running)).outcome).toBe('killed');
    expect((await waitForSession(daemon, queued)).outcome).toBe('killed');

    const refused = await webhook(daemon.url, 3);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({ error: 'Dispatch is paused (kill switch engaged)' });
    const status = (await (await api('GET', '/api/v2/status')).json()) as { data: { dispatchPaused: boolean } };
    expect(status.data.dispatchPaused).toBe(true);

    const lifted = await api('DELETE', '/api/v2/kill-switch');
    expect(((await lifted.json()) as { data: unknown }).data).toEqual({ dispatchPaused: false, pausedTriggers: [] });
    expect((await webhook(daemon.url, 4)).status).toBe(202);

    const kinds = readFileSync(eventsFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string; engaged?: boolean; reason?: string })
      .filter((e) => e.kind === 'kill_switch' || (e.kind === 'dispatch_ignored' && e.reason === 'paused'));
    expect(kinds.map((e) => [e.kind, e.engaged ?? e.reason])).toEqual([
      ['kill_switch', true],
      ['dispatch_ignored', 'paused'],
      ['kill_switch', false],
    ]);
  });

  it('pauses only the named trigger and refuses an unknown one with 404', async () => {
    llm = await startScriptedLlmServer({ script: () => ({ text: 'thinking', delayMs: 20_000 }) });
    const ws = gitWorkspace(cleanups);
    const { daemon, home } = await startTestDaemon(cleanups, {
      triggers: triggersYml(ws, '', llm.anthropicBaseUrl),
      dotEnv: `WEBHOOK_SECRET=${SECRET}\nLLM_KEY=${API_KEY}\n`,
    });
    const token = readFileSync(path.join(home, 'api-token'), 'utf8').trim();
    const post = (body: unknown) =>
      fetch(`${daemon.url}/api/v2/kill-switch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
    expect((await post({ triggerId: 'nope' })).status).toBe(404);
    const paused = (await (await post({ triggerId: 'fix-issue' })).json()) as { data: { paused: string } };
    expect(paused.data.paused).toBe('fix-issue');
    expect((await webhook(daemon.url, 5)).status).toBe(503);
    expect(daemon.core.pause).toEqual({ dispatchPaused: false, pausedTriggers: ['fix-issue'] });
  });
});
