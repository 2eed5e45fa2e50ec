import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { signBody } from '../../src/daemon/signature.js';
import { API_KEY, type ScriptedLlmServer, startScriptedLlmServer } from '../support/scripted-llm-server.js';
import { until } from '../support/until.js';
import { gitWorkspace, startTestDaemon, triggersYml, WORKFLOW_ID } from '../support/worktrain-harness.js';

const SECRET = 'whsec-hot-reload-9f8e7d';
const cleanups: (() => unknown)[] = [];
let llm: ScriptedLlmServer | undefined;

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await llm?.close();
  llm = undefined;
});

interface Event {
  kind: string;
  count?: number;
  findings?: { file: string; line: number; column: number; rule: string; message: string }[];
}

function events(file: string): Event[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Event);
}

function signedWebhook(url: string, issue: number) {
  const body = JSON.stringify({ action: 'opened', issue: { number: issue, title: 'Flaky login' } });
  return fetch(`${url}/webhook/fix-issue`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'X-WorkRail-Signature': signBody(SECRET, body) },
  });
}

describe('triggers.yml hot reload', () => {
  it('keeps the old triggers on a broken file and reports it; a valid file adds a trigger without restart', async () => {
    llm = await startScriptedLlmServer({ script: () => ({ text: 'thinking', delayMs: 20_000 }) });
    const ws = gitWorkspace(cleanups);
    const original = triggersYml(ws, '', llm.anthropicBaseUrl);
    const { daemon, home, eventsFile, logs } = await startTestDaemon(cleanups, {
      triggers: original,
      dotEnv: `WEBHOOK_SECRET=${SECRET}\nLLM_KEY=${API_KEY}\n`,
    });
    const triggersFile = path.join(home, 'triggers.yml');
    const listTriggers = async () =>
      (
        (await (await fetch(`${daemon.url}/api/v2/triggers`)).json()) as {
          data: { reloadError: Event['findings'] | null; triggers: { id: string }[] };
        }
      ).data;

    writeFileSync(triggersFile, `${original}  - id: broken\n    provider: [generic\n`);
    const failed = await until(
      () => events(eventsFile).find((e) => e.kind === 'triggers_reload_failed'),
      'triggers_reload_failed',
    );
    expect(failed.findings?.[0]).toMatchObject({ file: 'triggers.yml', rule: 'yaml-syntax' });
    expect(failed.findings?.[0]?.line).toBeGreaterThan(1);
    expect(failed.findings?.[0]?.column).toBeGreaterThan(0);
    const afterFailure = await listTriggers();
    expect(afterFailure.reloadError?.[0]).toMatchObject({ file: 'triggers.yml', rule: 'yaml-syntax' });
    expect(afterFailure.triggers.map((t) => t.id)).toEqual(['fix-issue']);
    expect((await signedWebhook(daemon.url, 1)).status).toBe(202);

    writeFileSync(
      triggersFile,
      `${original}  - id: added
    provider: generic
    workflowId: ${WORKFLOW_ID}
    workspacePath: ${ws}
    agentConfig: { provider: anthropic, baseUrl: ${llm.anthropicBaseUrl}, apiKey: $LLM_KEY }
`,
    );
    await until(
      () => events(eventsFile).find((e) => e.kind === 'triggers_loaded' && e.count === 2),
      'triggers_loaded with 2 triggers',
    );
    const added = await fetch(`${daemon.url}/webhook/added`, {
      method: 'POST',
      body: JSON.stringify({ goal: 'Tidy the README' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(added.status).toBe(202);
    expect(await added.json()).toMatchObject({ status: 'accepted', triggerId: 'added' });
    const afterReload = await listTriggers();
    expect(afterReload.reloadError).toBeNull();
    expect(afterReload.triggers.map((t) => t.id)).toEqual(['fix-issue', 'added']);
    expect(logs()).not.toContain(SECRET);
  });
});
