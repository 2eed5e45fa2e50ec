// The MCP server: eight tools (docs: mcp-protocol.md §4) and the resource workrail://tags, over any transport.
// server-base.ts holds what every server shares, and the deferred server that the binary runs.
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { AppDeps } from '../app/index.js';
import { callTool } from './call-tool.js';
import type { Logger } from './logger.js';
import { answerToolCalls, createBaseServer, type ToolCaller } from './server-base.js';
import type { ToolDefinition } from './tool.js';
import { checkpointWorkflowTool } from './tools/checkpoint-workflow.js';
import { continueWorkflowTool } from './tools/continue-workflow.js';
import { inspectWorkflowTool } from './tools/inspect-workflow.js';
import { listWorkflowsTool } from './tools/list-workflows.js';
import { manageWorkflowSourceTool } from './tools/manage-workflow-source.js';
import { resumeSessionTool } from './tools/resume-session.js';
import { startWorkflowTool } from './tools/start-workflow.js';
import { validateWorkflowTool } from './tools/validate-workflow.js';

export interface ServerOptions {
  readonly logger: Logger;
  /** Defaults to `WORKRAIL_JSON_RESPONSES === 'true'` in `process.env`. */
  readonly jsonResponses?: boolean;
  /** Replaces the tool list (tests). */
  readonly tools?: readonly ToolDefinition[];
}

/** The eight tools, in the order tools/list presents them. */
export const TOOLS: readonly ToolDefinition[] = [
  listWorkflowsTool,
  inspectWorkflowTool,
  startWorkflowTool,
  continueWorkflowTool,
  checkpointWorkflowTool,
  resumeSessionTool,
  manageWorkflowSourceTool,
  validateWorkflowTool,
];

/** Builds a server ready to `connect` to one transport; every call goes through `callTool`. */
export function createMcpServer(deps: AppDeps, options: ServerOptions): McpServer {
  const tools = options.tools ?? TOOLS;
  const server = createBaseServer();
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.schema,
        outputSchema: tool.output,
        annotations: { title: tool.title, ...tool.annotations },
      },
      // Never called: tools/call is answered by callTool below.
      () => ({ content: [] }),
    );
  }
  answerToolCalls(server, toolCaller(deps, options));
  return server;
}

/** Runs the tools for one server (or for a deferred one, see server-base.ts). */
export function toolCaller(deps: AppDeps, options: ServerOptions): ToolCaller {
  const tools = options.tools ?? TOOLS;
  const context = {
    deps,
    tools: new Map(tools.map((tool) => [tool.name, tool])),
    logger: options.logger,
    jsonResponses: options.jsonResponses ?? process.env.WORKRAIL_JSON_RESPONSES === 'true',
  };
  return (name, args) => callTool(context, name, args);
}

/**
 * The tools/list answer of `createMcpServer`, taken from a server over an in-memory transport: the JSON Schemas are
 * the SDK's conversion of the zod schemas. The deferred server sends it as it is.
 */
export async function listTools(tools: readonly ToolDefinition[] = TOOLS): Promise<Tool[]> {
  const noLogs = { error() {} } as unknown as Logger;
  const server = createMcpServer({} as AppDeps, { logger: noLogs, tools });
  const [client, serverSide] = InMemoryTransport.createLinkedPair();
  const answered = new Promise<{ result?: { tools: Tool[] } }>((resolve) => {
    client.onmessage = (message) => resolve(message as { result?: { tools: Tool[] } });
  });
  await server.connect(serverSide);
  await client.send({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
  const message = await answered;
  await server.close();
  if (message.result === undefined) throw new Error(`tools/list failed: ${JSON.stringify(message)}`);
  return message.result.tools;
}
