// Twenty sessions started and advanced at the same time, over one connection and over four server processes
// sharing one data dir: every call succeeds and no lock error reaches the client.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { describe, expect, it } from 'vitest';
import { type Called, call, LOOP, spawnStdio, testEnv, workspaceWith } from './mcp-helpers.js';

/** Starts a LOOP session and advances it to completion; returns every response. */
async function runSession(client: Client, ws: string, index: number): Promise<Called[]> {
  const responses = [
    await call(client, 'start_workflow', { workflowId: 'acme.loop', workspacePath: ws, goal: `session ${index}` }),
  ];
  const context = { modules: [`m${index}a`, `m${index}b`] };
  let last = responses[0]!;
  while (!last.isError && !last.data.isComplete) {
    last = await call(client, 'continue_workflow', {
      continueToken: last.data.continueToken,
      notes: `notes of session ${index}`,
      ...(responses.length === 1 ? { context } : {}),
    });
    responses.push(last);
  }
  return responses;
}

function expectAllCompleted(sessions: Called[][]): void {
  const errors = sessions.flat().filter((r) => r.isError);
  expect(errors.map((r) => r.text)).toEqual([]);
  for (const responses of sessions) {
    expect(responses.at(-1)?.data.isComplete).toBe(true);
    expect(responses.length).toBe(5);
  }
}

describe('concurrent sessions', () => {
  it('runs 20 sessions concurrently over one stdio connection', { timeout: 60_000 }, async () => {
    const { client } = await spawnStdio(testEnv());
    const ws = workspaceWith(LOOP);
    const sessions = await Promise.all(Array.from({ length: 20 }, (_, i) => runSession(client, ws, i)));
    expectAllCompleted(sessions);
    const listed = await call(client, 'resume_session', { workspacePath: ws });
    expect(listed.data.totalEligible).toBe(20);
  });

  it('runs 20 sessions concurrently over 4 server processes sharing one data dir', { timeout: 60_000 }, async () => {
    const env = testEnv();
    const ws = workspaceWith(LOOP);
    const servers = await Promise.all(Array.from({ length: 4 }, () => spawnStdio(env)));
    const sessions = await Promise.all(Array.from({ length: 20 }, (_, i) => runSession(servers[i % 4]!.client, ws, i)));
    expectAllCompleted(sessions);
    const listed = await call(servers[0]!.client, 'resume_session', { workspacePath: ws });
    expect(listed.data.totalEligible).toBe(20);
  });
});
