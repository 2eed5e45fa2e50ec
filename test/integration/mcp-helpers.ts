// Shared by the mcp-*.test.ts files: temporary homes and workspaces, fixture workflows, and MCP clients connected
// in memory, to the real binary over stdio, or to the real binary over Streamable HTTP.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { pino } from 'pino';
import { afterEach } from 'vitest';
import { type App, createApp } from '../../src/app/create-app.js';
import { createMcpServer, type ServerOptions } from '../../src/mcp/server.js';

export const BIN = path.resolve(import.meta.dirname, '../../bin/workrail.mjs');

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

export function tempDir(prefix = 'workrail-mcp-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A temporary WORKRAIL_HOME and data dir, without the bundled or user workflows. */
export function testEnv(extra: Record<string, string> = {}): Record<string, string> {
  const home = tempDir('workrail-home-');
  return {
    WORKRAIL_HOME: home,
    WORKRAIL_DATA_DIR: path.join(home, 'data'),
    WORKFLOW_INCLUDE_BUNDLED: 'false',
    WORKFLOW_INCLUDE_USER: 'false',
    ...extra,
  };
}

export function writeJson(dir: string, relPath: string, content: unknown): string {
  const file = path.join(dir, relPath);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

/** A workspace whose .workrail/workflows holds `workflows`. */
export function workspaceWith(...workflows: Record<string, unknown>[]): string {
  const ws = tempDir('workrail-ws-');
  for (const workflow of workflows) writeJson(ws, `.workrail/workflows/${String(workflow.id)}.json`, workflow);
  return ws;
}

const base = { version: '1.0.0', description: 'A fixture workflow.' };

export const LINEAR = {
  ...base,
  id: 'acme.linear',
  name: 'Linear',
  metaGuidance: ['Keep notes short.'],
  steps: [
    { id: 'first', title: 'First step', prompt: 'Do the first thing for {{goal}}.' },
    { id: 'second', title: 'Second step', prompt: 'Do the second thing.' },
    { id: 'confirm', title: 'Confirm', prompt: 'Show the user.', requireConfirmation: true },
  ],
};

export const LOOP = {
  ...base,
  id: 'acme.loop',
  name: 'Loop',
  steps: [
    { id: 'plan', title: 'Plan', prompt: 'Send context modules as an array.' },
    {
      id: 'each-module',
      type: 'loop',
      title: 'Each module',
      loop: { type: 'forEach', items: 'modules', itemVar: 'module', maxIterations: 10 },
      body: [{ id: 'migrate', title: 'Migrate {{module}}', prompt: 'Migrate {{module}}.' }],
    },
    { id: 'summarize', title: 'Summarize', prompt: 'Summarize.' },
  ],
};

export const CONDITION = {
  ...base,
  id: 'acme.triage',
  name: 'Triage',
  steps: [
    { id: 'classify', title: 'Classify', notesOptional: true, prompt: 'Send context severity and hasRepro.' },
    { id: 'write-repro', title: 'Write a repro', runCondition: { var: 'hasRepro', equals: false }, prompt: 'Repro.' },
    { id: 'escalate', title: 'Escalate', runCondition: { var: 'severity', in: ['high', 'critical'] }, prompt: 'Go.' },
    { id: 'file-ticket', title: 'File the ticket', prompt: 'File it.' },
  ],
};

export const CONTRACT = {
  ...base,
  id: 'acme.verdict',
  name: 'Verdict',
  steps: [
    {
      id: 'review',
      title: 'Review',
      prompt: 'Review the change.',
      outputContract: { contractRef: 'wr.contracts.review_verdict' },
    },
    { id: 'wrap-up', title: 'Wrap up', prompt: 'Wrap up.' },
  ],
};

export const VERDICT = {
  kind: 'wr.review_verdict',
  verdict: 'clean',
  confidence: 'high',
  findings: [],
  summary: 'Nothing to fix.',
};

/** What a tool call returned, flattened. */
export interface Called {
  readonly text: string;
  readonly data: Record<string, any>;
  readonly isError: boolean;
}

export async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<Called> {
  const result = await client.callTool({ name, arguments: args });
  const content = result.content as { type: string; text: string }[];
  return {
    text: content[0]?.text ?? '',
    data: (result.structuredContent ?? {}) as Record<string, any>,
    isError: result.isError === true,
  };
}

/** A logger whose lines are collected in `lines` (tests read what the server logged). */
export function captureLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

export interface Connected {
  readonly client: Client;
  readonly app: App;
}

/** A client linked in memory to a server over fresh deps. */
export async function connectInMemory(
  env: Record<string, string>,
  options: Partial<ServerOptions> = {},
): Promise<Connected> {
  const app = createApp({ env });
  const server = createMcpServer(app, { logger: captureLogger().logger, ...options });
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(clientSide);
  cleanups.push(async () => {
    await client.close();
    app.close();
  });
  return { client, app };
}

export interface StdioProcess {
  readonly client: Client;
  readonly pid: number | null;
  readonly stderr: () => string;
  /** Closes stdin (the client's close) and resolves with the exit code. */
  close(): Promise<number | null>;
}

/** Spawns `node bin/workrail.mjs` and connects the official client over stdio. */
export async function spawnStdio(env: Record<string, string>): Promise<StdioProcess> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN],
    env: { PATH: process.env.PATH ?? '', HOME: env.WORKRAIL_HOME ?? tmpdir(), ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(transport);
  const pid = transport.pid;
  let exited: Promise<number | null> | undefined;
  const close = () => {
    exited ??= (async () => {
      const code = waitForExit(pid);
      await client.close();
      return code;
    })();
    return exited;
  };
  cleanups.push(async () => {
    await close();
  });
  return { client, pid, stderr: () => stderr, close };
}

/** Polls until `pid` has gone; resolves 0 (the SDK client does not expose the exit code). */
async function waitForExit(pid: number | null): Promise<number | null> {
  if (pid === null) return null;
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return 0;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return null;
}

export interface HttpProcess {
  readonly url: string;
  readonly child: ChildProcess;
  connect(): Promise<Client>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Spawns `node bin/workrail.mjs --http --port 0 ...` and waits for the address it prints on stderr. */
export async function spawnHttp(env: Record<string, string>, args: string[] = ['--port', '0']): Promise<HttpProcess> {
  const child = spawn(process.execPath, [BIN, '--http', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: env.WORKRAIL_HOME ?? tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exitCode = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += String(chunk);
      const match = /at (http:\/\/\S+)\/mcp/.exec(stderr);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.once('exit', () => reject(new Error(`server exited: ${stderr}`)));
  });
  const clients: Client[] = [];
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    for (const client of clients.splice(0)) await client.close();
    if (child.exitCode === null) child.kill(signal);
    return exitCode;
  };
  cleanups.push(async () => {
    await stop();
  });
  return {
    url,
    child,
    connect: async () => {
      const client = new Client({ name: 'test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
      clients.push(client);
      return client;
    },
    stop,
  };
}

/** The fenced code blocks of a text, and the text with them removed. */
export function fencedBlocks(text: string): { blocks: string[]; outside: string } {
  const blocks: string[] = [];
  const outside = text.replace(/```json\n([\s\S]*?)\n```/g, (_match, body: string) => {
    blocks.push(body);
    return '';
  });
  return { blocks, outside };
}
