import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { signBody } from '../../src/daemon/signature.js';
import {
  API_KEY,
  type Reply,
  type Script,
  type ScriptedLlmServer,
  startScriptedLlmServer,
} from '../support/scripted-llm-server.js';
import {
  completeStep,
  gitWorkspace,
  startTestDaemon,
  tempDir,
  triggersYml,
  waitForSession,
} from '../support/worktrain-harness.js';

const SECRET = 'whsec-limits-9a8b7c6d';
const cleanups: (() => unknown)[] = [];
let llm: ScriptedLlmServer | undefined;

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await llm?.close();
  llm = undefined;
});

/** Starts a daemon whose trigger has `agentConfig` extras, fires one webhook and waits for the session's end. */
async function runOnce(script: Script, agentExtra = '', dotEnvExtra = '') {
  llm = await startScriptedLlmServer({ script });
  const ws = gitWorkspace(cleanups);
  const yml = triggersYml(ws, '', llm.anthropicBaseUrl).replace(
    '      apiKey: $LLM_KEY',
    `      apiKey: $LLM_KEY${agentExtra}`,
  );
  const test = await startTestDaemon(cleanups, {
    triggers: yml,
    dotEnv: `WEBHOOK_SECRET=${SECRET}\nLLM_KEY=${API_KEY}\n${dotEnvExtra}`,
  });
  const payload = JSON.stringify({ action: 'opened', issue: { number: 7, title: 'Limits' } });
  const response = await fetch(`${test.daemon.url}/webhook/fix-issue`, {
    method: 'POST',
    body: payload,
    headers: { 'content-type': 'application/json', 'X-WorkRail-Signature': signBody(SECRET, payload) },
  });
  const { sessionId } = (await response.json()) as { sessionId: string };
  return { ws, sessionId, server: llm, ...test };
}

const kinds = (events: readonly { kind: string }[]) => events.map((e) => e.kind);

describe('agent limits', () => {
  it('ends a session whose LLM call does not answer within stallTimeoutSeconds as stuck/stall', async () => {
    const { daemon, sessionId } = await runOnce([{ text: 'slow', delayMs: 5000 }], '\n      stallTimeoutSeconds: 0.3');
    const session = await waitForSession(daemon, sessionId);
    expect([session.outcome, session.detail]).toEqual(['stuck', 'stall']);
  });

  it('ends the session with max_turns when the turn budget runs out', async () => {
    const script = (): Reply => ({ toolCalls: [{ name: 'Glob', input: { pattern: `**/*.${Math.random()}` } }] });
    const { daemon, sessionId, server } = await runOnce(script, '\n      maxTurns: 3');
    const session = await waitForSession(daemon, sessionId);
    expect(session.outcome).toBe('max_turns');
    expect(server.requests).toHaveLength(3);
  });

  it('ends the session as stuck/repeated_tool_call after three identical tool calls', async () => {
    const same: Reply = { toolCalls: [{ name: 'Read', input: { filePath: 'AGENTS.md' } }] };
    const { daemon, sessionId } = await runOnce([same, same, same, same]);
    const session = await waitForSession(daemon, sessionId);
    expect([session.outcome, session.detail]).toEqual(['stuck', 'repeated_tool_call']);
  });

  it('retries a provider 500 and then succeeds, recording an llm_retry event', async () => {
    const script: Reply[] = [{ status: 500, headers: { 'retry-after': '0' } }, completeStep(), completeStep()];
    const { daemon, sessionId, server } = await runOnce(script);
    const session = await waitForSession(daemon, sessionId);
    expect(session.outcome).toBe('success');
    expect(server.requests).toHaveLength(3);
    expect(kinds(daemon.core.events.since(0))).toContain('llm_retry');
  });

  it('ends the session with error when the provider rejects the request with a 4xx', async () => {
    const { daemon, sessionId } = await runOnce([{ status: 404 }]);
    const session = await waitForSession(daemon, sessionId);
    expect(session.outcome).toBe('error');
    expect(session.detail).toContain('HTTP 404');
  });

  it('kills a running session through POST /api/v2/sessions/:id/kill with the bearer token', async () => {
    const { daemon, sessionId, home } = await runOnce([{ text: 'slow', delayMs: 10_000 }]);
    const token = readFileSync(path.join(home, 'api-token'), 'utf8').trim();
    const url = `${daemon.url}/api/v2/sessions/${sessionId}/kill`;
    const unauthorised = await fetch(url, { method: 'POST' });
    expect(unauthorised.status).toBe(401);
    const killed = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(killed.status).toBe(200);
    const session = await waitForSession(daemon, sessionId);
    expect(session.outcome).toBe('killed');
  });

  it('nudges an agent that stops calling tools and ends with agent_stopped_early after three nudges', async () => {
    const { daemon, sessionId, server } = await runOnce(() => ({ text: 'I am done.' }));
    const session = await waitForSession(daemon, sessionId);
    expect([session.outcome, session.detail]).toEqual(['error', 'agent_stopped_early']);
    expect(server.requests).toHaveLength(4);
    expect(server.requests[1]?.lastUserText).toContain('The workflow is not complete.');
  });

  it('puts steer text into the next LLM request as an operator message', async () => {
    const script = (request: { turn: number }): Reply =>
      request.turn === 1 ? { toolCalls: [{ name: 'Bash', input: { command: 'sleep 0.3' } }] } : completeStep();
    const { daemon, sessionId, home, server } = await runOnce(script);
    const token = readFileSync(path.join(home, 'api-token'), 'utf8').trim();
    const steer = await fetch(`${daemon.url}/api/v2/sessions/${sessionId}/steer`, {
      method: 'POST',
      body: JSON.stringify({ text: 'Prefer small commits' }),
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    expect(steer.status).toBe(200);
    await waitForSession(daemon, sessionId);
    expect(server.requests.some((r) => r.lastUserText.includes('[Operator message] Prefer small commits'))).toBe(true);
  });
});

describe('workspace confinement', () => {
  it('refuses ../, absolute outside paths and symlink escapes in file tools and Bash cwd', async () => {
    const outside = tempDir(cleanups, 'worktrain-outside-');
    writeFileSync(path.join(outside, 'secret.txt'), 'outside data');
    const script: Reply[] = [
      {
        toolCalls: [
          { name: 'Read', input: { filePath: '../secret.txt' } },
          { name: 'Read', input: { filePath: path.join(outside, 'secret.txt') } },
          { name: 'Read', input: { filePath: 'link/secret.txt' } },
          { name: 'Write', input: { filePath: 'link/new.txt', content: 'x' } },
          { name: 'Edit', input: { file_path: '../../etc/passwd', old_string: 'a', new_string: 'b' } },
          { name: 'Glob', input: { pattern: '*', path: 'link' } },
          { name: 'Grep', input: { pattern: 'outside', path: '..' } },
          { name: 'Bash', input: { command: 'ls', cwd: 'link' } },
          { name: 'Write', input: { filePath: '.git/config', content: 'x' } },
        ],
      },
      completeStep(),
      completeStep(),
    ];
    llm = await startScriptedLlmServer({ script });
    const ws = gitWorkspace(cleanups);
    symlinkSync(outside, path.join(ws, 'link'));
    const test = await startTestDaemon(cleanups, {
      triggers: triggersYml(ws, '', llm.anthropicBaseUrl),
      dotEnv: `WEBHOOK_SECRET=${SECRET}\nLLM_KEY=${API_KEY}\n`,
    });
    const payload = JSON.stringify({ action: 'opened', issue: { number: 1, title: 'Escape' } });
    const response = await fetch(`${test.daemon.url}/webhook/fix-issue`, {
      method: 'POST',
      body: payload,
      headers: { 'content-type': 'application/json', 'X-WorkRail-Signature': signBody(SECRET, payload) },
    });
    const { sessionId } = (await response.json()) as { sessionId: string };
    await waitForSession(test.daemon, sessionId);
    const failures = test.daemon.core.events.since(0).filter((e) => e.kind === 'tool_call_failed');
    expect(failures.map((e) => e.toolName)).toEqual([
      'Read',
      'Read',
      'Read',
      'Write',
      'Edit',
      'Glob',
      'Grep',
      'Bash',
      'Write',
    ]);
    for (const failure of failures.slice(0, 8))
      expect(String(failure.error)).toMatch(/is outside the session workspace/);
    expect(String(failures[8]?.error)).toContain('.git');
    expect(llm.requests[1]?.lastUserText).not.toContain('outside data');
  });
});

describe('secrets', () => {
  it('keeps .env secrets out of Bash, logs and events', async () => {
    const script: Reply[] = [
      {
        toolCalls: [
          { name: 'Bash', input: { command: 'env; echo "key=$DEPLOY_TOKEN"; printf "sk-deploy-%s-secret" 7777' } },
        ],
      },
      completeStep(),
      completeStep(),
    ];
    const { daemon, sessionId, server, logs, eventsFile } = await runOnce(
      script,
      '',
      'DEPLOY_TOKEN=sk-deploy-7777-secret\n',
    );
    await waitForSession(daemon, sessionId);
    const bashOutput = server.requests[1]?.lastUserText ?? '';
    expect(bashOutput).toContain('WORKTRAIN_SESSION_ID=');
    expect(bashOutput).toContain('key=\n');
    expect(bashOutput).toContain('[REDACTED]');
    const requestBodies = JSON.stringify(server.requests.map((r) => r.body));
    const everything = [logs(), readFileSync(eventsFile, 'utf8'), requestBodies].join('\n');
    for (const secret of ['sk-deploy-7777-secret', SECRET, API_KEY]) expect(everything).not.toContain(secret);
  });
});
