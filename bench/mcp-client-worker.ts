// Runs MCP clients for bench/mcp.ts on a worker thread. The bench harness times synchronous calls, so the main
// thread posts one operation, blocks on an Atomics flag, and reads the reply synchronously when the worker is done.
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { serveSyncRequests } from './sync-worker.js';

export type WorkerRequest =
  /** Spawns a server and connects; `as` names the client for later calls. */
  | { readonly op: 'spawn'; readonly env: Record<string, string>; readonly as?: string }
  | { readonly op: 'call'; readonly on: string; readonly name: string; readonly args: Record<string, unknown> }
  | { readonly op: 'closeAll' };

const BIN = path.resolve(import.meta.dirname, '../bin/workrail.mjs');
const clients: Client[] = [];
const named = new Map<string, Client>();

async function handle(request: WorkerRequest): Promise<unknown> {
  switch (request.op) {
    case 'spawn': {
      const client = new Client({ name: 'bench', version: '1.0.0' });
      await client.connect(
        new StdioClientTransport({ command: process.execPath, args: [BIN], env: request.env, stderr: 'ignore' }),
      );
      await client.listTools();
      clients.push(client);
      if (request.as !== undefined) named.set(request.as, client);
      return null;
    }
    case 'call': {
      const result = await named.get(request.on)!.callTool({ name: request.name, arguments: request.args });
      if (result.isError === true) throw new Error(JSON.stringify(result.structuredContent));
      return result.structuredContent;
    }
    case 'closeAll':
      await Promise.all(clients.splice(0).map((client) => client.close()));
      named.clear();
      return null;
  }
}

serveSyncRequests(handle);
