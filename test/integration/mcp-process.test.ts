// Process behaviour of the real binary: sessions survive restarts, stdout carries only protocol messages, shutdown
// is graceful, and the HTTP mode reports its address, its health and a busy port.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { listTools } from '../../src/mcp/server.js';
import { BIN, call, LINEAR, spawnHttp, spawnStdio, testEnv, workspaceWith } from './mcp-helpers.js';

function rawServer(env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += String(chunk);
  });
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const exit = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
  const waitFor = async (id: number) => {
    while (!stdout.split('\n').some((line) => line.includes(`"id":${id}`))) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  return { child, exit, send, waitFor, stdout: () => stdout, stderr: () => stderr };
}

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

describe('the stdio server process', () => {
  it('writes only JSON-RPC messages to stdout and exits 0 when stdin ends', async () => {
    const server = rawServer(testEnv({ WORKRAIL_LOG_LEVEL: 'debug' }));
    server.send(INITIALIZE);
    server.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    server.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'no_such_tool', arguments: {} } });
    server.send({ jsonrpc: '2.0', id: 3, method: 'tools/list' });
    await server.waitFor(3);
    server.child.stdin.end();
    const [code] = await server.exit;
    expect(code).toBe(0);
    const lines = server.stdout().trim().split('\n');
    expect(lines.map((line) => JSON.parse(line).jsonrpc)).toEqual(['2.0', '2.0', '2.0']);
    expect(server.stderr()).not.toContain('ready on stdio');
  });

  it('sends, as tools/list, the JSON the SDK derives from the zod schemas', async () => {
    const server = rawServer(testEnv());
    server.send(INITIALIZE);
    server.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    server.send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    await server.waitFor(2);
    server.child.stdin.end();
    await server.exit;
    const answer = server
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .find((message) => message.id === 2);
    expect(answer.result.tools).toEqual(await listTools());
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`exits 0 on ${signal}`, async () => {
      const server = rawServer(testEnv());
      server.send(INITIALIZE);
      await server.waitFor(1);
      server.child.kill(signal);
      const [code] = await server.exit;
      expect(code).toBe(0);
    });
  }

  it('keeps a session across a killed process: a new process continues and replays it', async () => {
    const env = testEnv();
    const ws = workspaceWith(LINEAR);
    const first = await spawnStdio(env);
    const start = await call(first.client, 'start_workflow', {
      workflowId: 'acme.linear',
      workspacePath: ws,
      goal: 'g',
    });
    const second = await call(first.client, 'continue_workflow', {
      continueToken: start.data.continueToken,
      notes: 'n',
    });
    process.kill(first.pid!, 'SIGKILL');
    await first.close();

    const next = await spawnStdio(env);
    const replayed = await call(next.client, 'continue_workflow', {
      continueToken: start.data.continueToken,
      notes: 'n',
    });
    expect(replayed.text).toBe(second.text);
    const third = await call(next.client, 'continue_workflow', {
      continueToken: second.data.continueToken,
      notes: 'm',
    });
    expect(third.data.pending.stepId).toBe('confirm');
  });

  it('resumes a checkpointed session in a new process through resume_session', async () => {
    const env = testEnv();
    const ws = workspaceWith(LINEAR);
    const first = await spawnStdio(env);
    const start = await call(first.client, 'start_workflow', {
      workflowId: 'acme.linear',
      workspacePath: ws,
      goal: 'migrate the billing tables',
    });
    const second = await call(first.client, 'continue_workflow', {
      continueToken: start.data.continueToken,
      notes: 'n',
    });
    const checkpoint = await call(first.client, 'checkpoint_workflow', {
      checkpointToken: second.data.checkpointToken,
    });
    await first.close();

    const next = await spawnStdio(env);
    const found = await call(next.client, 'resume_session', { workspacePath: ws, query: 'billing tables' });
    const candidate = found.data.candidates[0];
    expect(candidate).toMatchObject({ pendingStepId: 'second', resumeToken: checkpoint.data.resumeToken });
    const rehydrated = await call(next.client, 'continue_workflow', candidate.nextCall.params);
    expect(rehydrated.data).toMatchObject({ nextIntent: 'rehydrate_only', pending: { stepId: 'second' } });
    const advanced = await call(next.client, 'continue_workflow', {
      continueToken: rehydrated.data.continueToken,
      notes: 'n2',
    });
    expect(advanced.data.pending.stepId).toBe('confirm');
  });

  it('renders compact JSON text when WORKRAIL_JSON_RESPONSES=true', async () => {
    const { client } = await spawnStdio(testEnv({ WORKRAIL_JSON_RESPONSES: 'true' }));
    const ws = workspaceWith(LINEAR);
    const start = await call(client, 'start_workflow', { workflowId: 'acme.linear', workspacePath: ws, goal: 'g' });
    expect(start.text).toBe(JSON.stringify(start.data));
  });
});

describe('the HTTP server process', () => {
  it('listens on loopback by default and answers GET /health', async () => {
    const server = await spawnHttp(testEnv());
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    expect(await server.stop('SIGTERM')).toBe(0);
  });

  it('refuses a Host header that is not the server (DNS rebinding)', async () => {
    const server = await spawnHttp(testEnv());
    const url = new URL(`${server.url}/mcp`);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const request = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: '/mcp',
          method: 'POST',
          headers: {
            host: 'evil.example',
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
          },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode);
        },
      );
      request.on('error', reject);
      request.end(JSON.stringify(INITIALIZE));
    });
    expect(status).toBe(403);
  });

  it('exits 1 with a clear message when the port is busy', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const server = rawServer(testEnv(), ['--http', '--port', String(port)]);
      const [code] = await server.exit;
      expect(code).toBe(1);
      expect(server.stderr()).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(server.stdout()).toBe('');
    } finally {
      blocker.close();
    }
  });
});
