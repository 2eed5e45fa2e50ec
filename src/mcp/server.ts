// The MCP server: eight tools (docs: mcp-protocol.md §4) and the resource workrail://tags, over any transport.
import { createRequire } from 'node:module';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { AppDeps } from '../app/index.js';
import { TAG_CATALOG } from '../workflow/tags.js';
import { callTool } from './call-tool.js';
import type { Logger } from './logger.js';
import type { ToolDefinition } from './tool.js';
import { checkpointWorkflowTool } from './tools/checkpoint-workflow.js';
import { continueWorkflowTool } from './tools/continue-workflow.js';
import { inspectWorkflowTool } from './tools/inspect-workflow.js';
import { listWorkflowsTool } from './tools/list-workflows.js';
import { manageWorkflowSourceTool } from './tools/manage-workflow-source.js';
import { resumeSessionTool } from './tools/resume-session.js';
import { startWorkflowTool } from './tools/start-workflow.js';
import { validateWorkflowTool } from './tools/validate-workflow.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

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

const INSTRUCTIONS =
  'WorkRail serves workflows one step at a time. Find one with list_workflows, start it with start_workflow, and follow the text of each response. Recover earlier work with resume_session.';

/** Builds a server ready to `connect` to one transport; every call goes through `callTool`. */
export function createMcpServer(deps: AppDeps, options: ServerOptions): McpServer {
  const tools = options.tools ?? TOOLS;
  const server = new McpServer({ name: 'workrail', version }, { instructions: INSTRUCTIONS });
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
  server.registerResource(
    'tags',
    'workrail://tags',
    {
      title: 'Workflow tags',
      description: 'The tag catalogue: what each tag is for, when to use it, example goals.',
      mimeType: 'application/json',
    },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(TAG_CATALOG) }] }),
  );

  // The SDK's own tools/call answers unknown tools and schema failures with plain text; the protocol wants the
  // error envelope (§2.1), so the handler is replaced.
  const context = {
    deps,
    tools: new Map(tools.map((tool) => [tool.name, tool])),
    logger: options.logger,
    jsonResponses: options.jsonResponses ?? process.env.WORKRAIL_JSON_RESPONSES === 'true',
  };
  server.server.removeRequestHandler(CallToolRequestSchema.shape.method.value);
  server.server.setRequestHandler(CallToolRequestSchema, (request) =>
    callTool(context, request.params.name, request.params.arguments),
  );
  return server;
}
