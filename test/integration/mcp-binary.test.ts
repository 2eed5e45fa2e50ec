// The real binary (node bin/workrail.mjs, built by `npm test`) through the official MCP client, over stdio and over
// Streamable HTTP.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { describe, expect, it } from 'vitest';
import {
  CONDITION,
  CONTRACT,
  call,
  connectInMemory,
  LINEAR,
  LOOP,
  spawnHttp,
  spawnStdio,
  testEnv,
  VERDICT,
  workspaceWith,
  writeJson,
} from './mcp-helpers.js';

const TRANSPORTS = {
  stdio: async (env: Record<string, string>) => (await spawnStdio(env)).client,
  http: async (env: Record<string, string>) => (await spawnHttp(env)).connect(),
} satisfies Record<string, (env: Record<string, string>) => Promise<Client>>;

/** Advances with `notes` (and optional extras) and returns the next response's data. */
async function advance(client: Client, token: string, args: Record<string, unknown> = {}) {
  const result = await call(client, 'continue_workflow', { continueToken: token, notes: 'Done.', ...args });
  expect(result.isError, result.text).toBe(false);
  return result;
}

describe.each(Object.keys(TRANSPORTS) as (keyof typeof TRANSPORTS)[])('the workrail binary over %s', (transport) => {
  const connect = TRANSPORTS[transport];

  async function session(workflow: Record<string, unknown>, context?: Record<string, unknown>) {
    const env = testEnv();
    const client = await connect(env);
    const ws = workspaceWith(workflow);
    const start = await call(client, 'start_workflow', {
      workflowId: workflow.id,
      workspacePath: ws,
      goal: 'exercise the server',
      ...(context === undefined ? {} : { context }),
    });
    expect(start.isError, start.text).toBe(false);
    return { client, ws, env, start };
  }

  // The binary answers tools/list from the list computed at build time and loads its tools afterwards
  // (src/mcp/server-base.ts); what a client sees must not differ from the server built from the zod schemas.
  it('introduces itself and lists its tools exactly as the in-process server does', async () => {
    const env = testEnv();
    const binary = await connect(env);
    const { client: inProcess } = await connectInMemory(env);
    expect(binary.getServerCapabilities()).toEqual(inProcess.getServerCapabilities());
    expect(binary.getServerVersion()).toEqual(inProcess.getServerVersion());
    expect(binary.getInstructions()).toEqual(inProcess.getInstructions());
    expect(await binary.listTools()).toEqual(await inProcess.listTools());
    expect(await binary.listResources()).toEqual(await inProcess.listResources());
  });

  it('completes a linear workflow', async () => {
    const { client, start } = await session(LINEAR);
    const seen = [start.data.pending.stepId];
    let response = start;
    while (!response.data.isComplete) {
      response = await advance(client, response.data.continueToken);
      if (response.data.pending !== null) seen.push(response.data.pending.stepId);
    }
    expect(seen).toEqual(['first', 'second', 'confirm']);
    expect(response.data.nextIntent).toBe('complete');
  });

  it('runs a forEach loop over the items sent in context', async () => {
    const { client, start } = await session(LOOP);
    const titles: string[] = [];
    let response = await advance(client, start.data.continueToken, { context: { modules: ['alpha', 'beta'] } });
    while (!response.data.isComplete) {
      titles.push(response.data.pending.title);
      response = await advance(client, response.data.continueToken);
    }
    expect(titles).toEqual(['Migrate alpha', 'Migrate beta', 'Summarize']);
  });

  it('skips steps whose runCondition is false', async () => {
    const { client, start } = await session(CONDITION);
    const next = await call(client, 'continue_workflow', {
      continueToken: start.data.continueToken,
      context: { severity: 'high', hasRepro: true },
    });
    expect(next.data.pending.stepId).toBe('escalate');
    const last = await advance(client, next.data.continueToken);
    expect(last.data.pending.stepId).toBe('file-ticket');
  });

  it('blocks a step whose output contract is missing and accepts the retry with the artifact', async () => {
    const { client, start } = await session(CONTRACT);
    const blocked = await advance(client, start.data.continueToken);
    expect(blocked.data).toMatchObject({ kind: 'blocked', blockers: [{ code: 'MISSING_REQUIRED_OUTPUT' }] });
    const retried = await advance(client, blocked.data.continueToken, { artifacts: [VERDICT] });
    expect(retried.data).toMatchObject({ kind: 'ok', pending: { stepId: 'wrap-up' } });
  });

  it('replays a repeated advance byte-identically with the same tokens', async () => {
    const { client, start } = await session(LINEAR);
    const first = await call(client, 'continue_workflow', { continueToken: start.data.continueToken, notes: 'A' });
    const again = await call(client, 'continue_workflow', { continueToken: start.data.continueToken, notes: 'A' });
    expect(again.text).toBe(first.text);
    expect(again.data).toEqual(first.data);
  });

  it('rehydrates with a continue token and with a resume token without advancing', async () => {
    const { client, start } = await session(LINEAR);
    const second = await advance(client, start.data.continueToken);
    const byContinue = await call(client, 'continue_workflow', { continueToken: second.data.continueToken });
    expect(byContinue.data).toMatchObject({ nextIntent: 'rehydrate_only', pending: { stepId: 'second' } });
    const checkpoint = await call(client, 'checkpoint_workflow', { checkpointToken: second.data.checkpointToken });
    const byState = await call(client, 'continue_workflow', {
      continueToken: checkpoint.data.resumeToken,
      intent: 'rehydrate',
    });
    expect(byState.data).toMatchObject({ nextIntent: 'rehydrate_only', pending: { stepId: 'second' } });
    const next = await advance(client, byState.data.continueToken);
    expect(next.data.pending.stepId).toBe('confirm');
  });

  it('forks when a rehydrated token advances a step that already advanced, keeping branch contexts apart', async () => {
    const { client, start } = await session(CONDITION);
    const again = await call(client, 'continue_workflow', { continueToken: start.data.continueToken });
    const high = await call(client, 'continue_workflow', {
      continueToken: start.data.continueToken,
      context: { severity: 'high', hasRepro: true },
    });
    const low = await call(client, 'continue_workflow', {
      continueToken: again.data.continueToken,
      context: { severity: 'low', hasRepro: false },
    });
    expect(high.data.pending.stepId).toBe('escalate');
    expect(low.data.pending.stepId).toBe('write-repro');
    expect((await advance(client, high.data.continueToken)).data.pending.stepId).toBe('file-ticket');
  });

  it('answers bad tokens with the token error codes', async () => {
    const { client } = await session(LINEAR);
    const codes = [];
    for (const continueToken of ['nonsense', 'st1abcdefghijklmnopqrstuvwxyz', 'ct_AAAAAAAAAAAAAAAAAAAAAAAA']) {
      codes.push((await call(client, 'continue_workflow', { continueToken, notes: 'x' })).data.code);
    }
    expect(codes).toEqual(['TOKEN_INVALID_FORMAT', 'TOKEN_UNSUPPORTED_VERSION', 'TOKEN_BAD_SIGNATURE']);
  });

  it('reports an invalid workflow file in list_workflows validationWarnings', async () => {
    const client = await connect(testEnv());
    const ws = workspaceWith(LINEAR);
    writeJson(ws, '.workrail/workflows/bad.json', { id: 'acme.bad', name: 'Bad', version: '1', steps: [] });
    const listed = await call(client, 'list_workflows', { workspacePath: ws, tags: ['acme'] });
    expect(listed.data.workflows.map((w: { workflowId: string }) => w.workflowId)).toEqual(['acme.linear']);
    expect(listed.data.validationWarnings).toEqual([
      expect.objectContaining({ workflowId: 'acme.bad', issues: expect.arrayContaining([expect.anything()]) }),
    ]);
  });
});
