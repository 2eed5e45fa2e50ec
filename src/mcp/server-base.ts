// What every WorkRail MCP server shares (name, version, instructions, the resource workrail://tags, the tools/call
// handler), and the deferred server: it answers initialize and tools/list before the tools, the use cases and the
// store behind them are loaded. Loading those costs a new process a few tens of ms, so the bundled binary serves
// this way, with the tools/list answer that scripts/bundle-server.mjs computed at build time.
// Imports nothing from app/ or tools/: keep it that way, or the deferred server loads everything on start again.
import { createRequire } from 'node:module';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { CallToolRequestSchema, type CallToolResult, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import { TAG_CATALOG } from '../workflow/tags.js';

/** Answers one tools/call: the tool's result, or a result flagged isError (see call-tool.ts). */
export type ToolCaller = (name: string, args: unknown) => Promise<CallToolResult>;

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const INSTRUCTIONS =
  'WorkRail serves workflows one step at a time. Find one with list_workflows, start it with start_workflow, and follow the text of each response. Recover earlier work with resume_session.';

/**
 * The SDK builds an Ajv instance for every server, to check elicitation answers WorkRail never asks for; this one
 * builds it on first use, so that a new process does not load Ajv to start (the bundle requires it lazily).
 */
function lazyValidator(): jsonSchemaValidator {
  let ajv: AjvJsonSchemaValidator | undefined;
  return {
    getValidator(schema) {
      ajv ??= new AjvJsonSchemaValidator();
      return ajv.getValidator(schema);
    },
  };
}

/** A server with WorkRail's identity and the tags resource, and no tools yet. */
export function createBaseServer(): McpServer {
  const server = new McpServer(
    { name: 'workrail', version },
    { instructions: INSTRUCTIONS, jsonSchemaValidator: lazyValidator() },
  );
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
  return server;
}

/**
 * Answers tools/call with `call`. The SDK's own handler answers unknown tools and schema failures with plain text;
 * the protocol wants the error envelope (§2.1), so it is replaced.
 */
export function answerToolCalls(server: McpServer, call: ToolCaller): void {
  server.server.removeRequestHandler(CallToolRequestSchema.shape.method.value);
  server.server.setRequestHandler(CallToolRequestSchema, (request) =>
    call(request.params.name, request.params.arguments),
  );
}

export interface DeferredServerOptions {
  /** The tools/list answer, exactly as the full server (server.ts `listTools`) gives it. */
  readonly toolList: readonly Tool[];
  /** Loads the tools and what they need; called once, by the first tools/call or just after tools/list. */
  readonly loadCaller: () => Promise<ToolCaller>;
}

/**
 * A server that answers tools/list from `toolList` and loads its tools when first needed. The load starts right
 * after tools/list is answered, while the agent reads the list, so that the first tools/call rarely waits for it.
 */
export function createDeferredServer(options: DeferredServerOptions): McpServer {
  let loading: Promise<ToolCaller> | undefined;
  const load = () => {
    loading ??= options.loadCaller();
    return loading;
  };
  const server = createBaseServer();
  // The capability registerTool() would have declared.
  server.server.registerCapabilities({ tools: { listChanged: true } });
  const answer = { tools: [...options.toolList] };
  server.server.setRequestHandler(ListToolsRequestSchema, () => {
    setImmediate(() => void load().catch(() => {}));
    return answer;
  });
  answerToolCalls(server, async (name, args) => (await load())(name, args));
  return server;
}
