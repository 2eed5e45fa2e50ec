// The stdio transport: one client on stdin/stdout until stdin ends or `close()` is called.
import type { Readable, Writable } from 'node:stream';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, MessageExtraInfo, RequestId } from '@modelcontextprotocol/sdk/types.js';

/** How long the requests received before the end of stdin may take to be answered before the server closes. */
const ANSWER_GRACE_MS = 10_000;

export interface StdioServer {
  /** Settles once the server has closed, whoever closed it. */
  readonly closed: Promise<void>;
  /** Closes the transport at once, answered or not; safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Connects `server` to the streams (default: the process's stdin and stdout) and serves until stdin ends. The
 * requests received before the end of stdin are answered first; a closed stdout (EPIPE) stops the server at once.
 */
export async function startStdioServer(
  server: McpServer,
  io: { readonly stdin?: Readable; readonly stdout?: Writable } = {},
): Promise<StdioServer> {
  const stdin = io.stdin ?? process.stdin;
  const stdout = io.stdout ?? process.stdout;
  const transport = new AnswerTracking(new StdioServerTransport(stdin, stdout));
  let markClosed = () => {};
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      stdin.off('end', onEnd);
      stdout.off('error', onBrokenPipe);
      await server.close();
      markClosed();
    })();
    return closing;
  };
  const onEnd = () => {
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ANSWER_GRACE_MS).unref();
    });
    void Promise.race([transport.answered(), grace]).then(() => {
      clearTimeout(timer);
      return close();
    });
  };
  const onBrokenPipe = () => void close();
  // A client that goes away closes our stdin (end) or our stdout (EPIPE): either way, stop serving.
  stdin.once('end', onEnd);
  stdout.once('error', onBrokenPipe);
  await server.connect(transport);
  return { closed, close };
}

/** Delegates to `inner` and knows which requests it has received and not answered yet. */
class AnswerTracking implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
  readonly #inner: Transport;
  readonly #unanswered = new Set<RequestId>();
  #whenAnswered: (() => void)[] = [];

  constructor(inner: Transport) {
    this.#inner = inner;
    inner.onclose = () => this.onclose?.();
    inner.onerror = (error) => this.onerror?.(error);
    inner.onmessage = (message, extra) => {
      if ('method' in message) {
        if ('id' in message) this.#unanswered.add(message.id);
        // A cancelled request is not answered (the SDK drops its result).
        if (message.method === 'notifications/cancelled') this.#settle(message.params?.requestId as RequestId);
      }
      this.onmessage?.(message, extra);
    };
  }

  start(): Promise<void> {
    return this.#inner.start();
  }

  async send(message: JSONRPCMessage, options?: Parameters<Transport['send']>[1]): Promise<void> {
    try {
      await this.#inner.send(message, options);
    } finally {
      if (!('method' in message) && 'id' in message && message.id !== undefined) this.#settle(message.id);
    }
  }

  #settle(id: RequestId): void {
    this.#unanswered.delete(id);
    if (this.#unanswered.size === 0) for (const resolve of this.#whenAnswered.splice(0)) resolve();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  /** Settles once every request received so far has been answered. */
  answered(): Promise<void> {
    if (this.#unanswered.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#whenAnswered.push(resolve));
  }
}
