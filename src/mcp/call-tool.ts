// The tools/call handler: find the tool, parse its input, run its use case, render the result. Every failure is
// a result flagged isError carrying the error envelope (docs: mcp-protocol.md §2.1, §2.3); nothing escapes as a
// protocol error, and an exception becomes INTERNAL_ERROR while the server keeps serving.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AppDeps } from '../app/index.js';
import { type AppError, appError } from '../app/index.js';
import { similarIds } from '../app/similar-ids.js';
import { parseToolInput } from './input.js';
import type { Logger } from './logger.js';
import type { ToolDefinition } from './tool.js';

export interface CallContext {
  readonly deps: AppDeps;
  readonly tools: ReadonlyMap<string, ToolDefinition>;
  readonly logger: Logger;
  /** `WORKRAIL_JSON_RESPONSES=true`: every text is the compact JSON of structuredContent. */
  readonly jsonResponses: boolean;
}

export async function callTool(context: CallContext, name: string, args: unknown): Promise<CallToolResult> {
  const tool = context.tools.get(name);
  if (tool === undefined) return errorResult(unknownTool(name, [...context.tools.keys()]));
  const input = parseToolInput(tool, args ?? {});
  if (!input.ok) return errorResult(input.error);
  try {
    const result = await tool.run(context.deps, input.value);
    if (!result.ok) return errorResult(result.error);
    const value = result.value;
    const text = context.jsonResponses
      ? JSON.stringify(value)
      : tool.render !== undefined
        ? tool.render(value)
        : JSON.stringify(value, null, 2);
    return { content: [{ type: 'text', text }], structuredContent: value as Record<string, unknown> };
  } catch (error) {
    context.logger.error({ err: error, tool: name }, 'tool call failed');
    return errorResult(internalError(error));
  }
}

/** The envelope as JSON text and as structuredContent. */
export function errorResult(error: AppError): CallToolResult {
  return {
    content: [{ type: 'text', text: JSON.stringify(error) }],
    structuredContent: error as unknown as Record<string, unknown>,
    isError: true,
  };
}

function unknownTool(name: string, known: readonly string[]): AppError {
  const similar = name.length > 200 ? [] : similarIds(name, known);
  return appError('NOT_FOUND', `Unknown tool "${name.slice(0, 200)}".`, {
    similarIds: similar,
    suggestion: `Known tools: ${known.join(', ')}.`,
  });
}

/** SQLite busy or I/O trouble is temporary storage unavailability (§2.3): retry after 250 ms. */
function internalError(error: unknown): AppError {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL)/.test(code)) {
    return appError(
      'INTERNAL_ERROR',
      'Session storage is temporarily unavailable.',
      { suggestion: 'Retry the same call unchanged.' },
      { kind: 'retryable_after_ms', afterMs: 250 },
    );
  }
  return appError('INTERNAL_ERROR', 'The server hit an unexpected error; it has been logged.', {
    suggestion: 'Retrying will not help; report the problem if it persists.',
  });
}
