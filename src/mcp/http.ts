// Streamable HTTP: MCP at /mcp (one server and transport per MCP session) and GET /health, on a loopback address
// by default. Host headers are checked, so a web page cannot reach the server through DNS rebinding.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { Hono } from 'hono';
import type { Logger } from './logger.js';

export interface HttpOptions {
  readonly host: string;
  readonly port: number;
  /** A fresh server for each MCP session. */
  readonly createServer: () => McpServer;
  readonly logger: Logger;
}

export interface HttpServer {
  /** `http://host:port` (the actual port when 0 was asked). */
  readonly url: string;
  close(): Promise<void>;
}

export type HttpStartFailure = { readonly kind: 'address_in_use' | 'listen_failed'; readonly message: string };

/** The Hono app; `allowedHosts` are the Host header values accepted on /mcp. */
export function createHttpApp(options: Pick<HttpOptions, 'createServer' | 'logger'>, allowedHosts: () => string[]) {
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  const app = new Hono();
  app.get('/health', (c) => c.json({ status: 'ok', sessions: sessions.size }));
  app.all('/mcp', async (c) => {
    const sessionId = c.req.header('mcp-session-id');
    if (sessionId !== undefined) {
      const transport = sessions.get(sessionId);
      if (transport === undefined) {
        return c.json({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }, 404);
      }
      return transport.handleRequest(c.req.raw);
    }
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, transport);
      },
      onsessionclosed: (id) => {
        sessions.delete(id);
      },
      enableDnsRebindingProtection: true,
      allowedHosts: allowedHosts(),
      maxRequestBodySize: 8 * 1024 * 1024,
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
    };
    await options.createServer().connect(transport);
    return transport.handleRequest(c.req.raw);
  });
  app.onError((error, c) => {
    options.logger.error({ err: error }, 'http request failed');
    return c.json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id: null }, 500);
  });
  const closeAll = async () => {
    const open = [...sessions.values()];
    sessions.clear();
    await Promise.allSettled(open.map((transport) => transport.close()));
  };
  return { app, closeAll };
}

/** Listens on host:port; a busy port is `address_in_use`, never an exception. */
export async function startHttpServer(
  options: HttpOptions,
): Promise<{ ok: true; value: HttpServer } | { ok: false; error: HttpStartFailure }> {
  let port = options.port;
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  const { app, closeAll } = createHttpApp(options, () =>
    [hostForUrl, 'localhost', '127.0.0.1', '[::1]'].map((host) => `${host}:${port}`),
  );
  const server = createAdaptorServer({ fetch: app.fetch });
  const listened = await new Promise<HttpStartFailure | null>((resolve) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      resolve(
        error.code === 'EADDRINUSE'
          ? { kind: 'address_in_use', message: `Port ${options.port} on ${options.host} is already in use.` }
          : { kind: 'listen_failed', message: `Cannot listen on ${options.host}:${options.port}: ${error.message}` },
      );
    });
    server.listen(options.port, options.host, () => resolve(null));
  });
  if (listened !== null) return { ok: false, error: listened };
  port = (server.address() as AddressInfo).port;
  const close = async () => {
    await closeAll();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      if ('closeAllConnections' in server) server.closeAllConnections();
    });
  };
  return { ok: true, value: { url: `http://${hostForUrl}:${port}`, close } };
}
