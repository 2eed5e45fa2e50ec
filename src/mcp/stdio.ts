// The stdio transport: one client on stdin/stdout until stdin ends or `close()` is called.
import type { Readable, Writable } from 'node:stream';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

export interface StdioServer {
  /** Settles once the server has closed, whoever closed it. */
  readonly closed: Promise<void>;
  /** Closes the transport; safe to call more than once. */
  close(): Promise<void>;
}

/** Connects `server` to the streams (default: the process's stdin and stdout) and serves until stdin ends. */
export async function startStdioServer(
  server: McpServer,
  io: { readonly stdin?: Readable; readonly stdout?: Writable } = {},
): Promise<StdioServer> {
  const stdin = io.stdin ?? process.stdin;
  const stdout = io.stdout ?? process.stdout;
  let markClosed = () => {};
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      stdin.off('end', onEnd);
      stdout.off('error', onEnd);
      await server.close();
      markClosed();
    })();
    return closing;
  };
  const onEnd = () => void close();
  // A client that goes away closes our stdin (end) or our stdout (EPIPE): either way, stop serving.
  stdin.once('end', onEnd);
  stdout.once('error', onEnd);
  await server.connect(new StdioServerTransport(stdin, stdout));
  return { closed, close };
}
