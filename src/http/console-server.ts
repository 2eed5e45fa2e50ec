// Starting the console (docs/console.md §2): one instance per WORKRAIL_HOME, guarded by `console.lock`
// ({pid, host, port, version}); a live console already answering /api/v2/health is reused. Loopback by default; a
// non-loopback bind needs a token.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve } from '@hono/node-server';
import type { AppDeps } from '../app/deps.js';
import { createHttpApp } from './app.js';
import { createChangeFeed } from './change-feed.js';
import { isLoopback } from './security.js';
import { defaultUiDir } from './static-ui.js';

export interface ConsoleOptions {
  readonly deps: Pick<AppDeps, 'store' | 'sources' | 'clock' | 'config'>;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly version: string;
  /** WORKRAIL_CONSOLE_TOKEN; required when `host` is not loopback. */
  readonly token?: string;
  readonly uiDir?: string;
  readonly onError?: (error: unknown) => void;
}

export interface RunningConsole {
  readonly url: string;
  readonly port: number;
  /** Stops listening, ends the live channel and removes the lock. */
  close(): Promise<void>;
}

export type StartOutcome =
  | { readonly kind: 'started'; readonly console: RunningConsole }
  | { readonly kind: 'already_running'; readonly url: string }
  | { readonly kind: 'port_in_use'; readonly port: number }
  | { readonly kind: 'token_required' };

interface LockContent {
  readonly pid: number;
  readonly host: string;
  readonly port: number;
  readonly version: string;
}

export function consoleUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/console/`;
}

export async function startConsole(options: ConsoleOptions): Promise<StartOutcome> {
  const token = options.token?.trim() || null;
  if (!isLoopback(options.host) && token === null) return { kind: 'token_required' };
  const lockPath = path.join(options.deps.config.workrailHome, 'console.lock');
  const existing = await liveConsole(lockPath);
  if (existing !== null) return { kind: 'already_running', url: existing };

  const feed = createChangeFeed(options.deps.store);
  let port = options.port;
  const app = createHttpApp({
    deps: options.deps,
    feed,
    version: options.version,
    binding: { host: options.host, port: () => port },
    token,
    uiDir: options.uiDir ?? defaultUiDir(),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  });
  const listening = await new Promise<{ ok: true; server: ReturnType<typeof serve> } | { ok: false }>((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: options.host, port: options.port }, () =>
      resolve({ ok: true, server }),
    );
    server.once('error', () => resolve({ ok: false }));
  });
  if (!listening.ok) {
    feed.close();
    return { kind: 'port_in_use', port: options.port };
  }
  const server = listening.server;
  port = (server.address() as AddressInfo).port;
  const lock: LockContent = { pid: process.pid, host: options.host, port, version: options.version };
  mkdirSync(path.dirname(lockPath), { recursive: true });
  writeFileSync(lockPath, `${JSON.stringify(lock)}\n`, { mode: 0o600 });
  const url = consoleUrl(options.host, port);
  return {
    kind: 'started',
    console: {
      url,
      port,
      async close() {
        feed.close();
        if (readLock(lockPath)?.pid === process.pid) rmSync(lockPath, { force: true });
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          if ('closeAllConnections' in server) server.closeAllConnections();
        });
      },
    },
  };
}

function readLock(lockPath: string): LockContent | null {
  try {
    const value = JSON.parse(readFileSync(lockPath, 'utf8')) as Partial<LockContent>;
    return typeof value.port === 'number' && typeof value.host === 'string' ? (value as LockContent) : null;
  } catch {
    return null;
  }
}

/** The URL of the console the lock names, when it answers its health check within 400 ms. */
async function liveConsole(lockPath: string): Promise<string | null> {
  const lock = readLock(lockPath);
  if (lock === null) return null;
  const host = lock.host.includes(':') ? `[${lock.host}]` : lock.host;
  try {
    const response = await fetch(`http://${host}:${lock.port}/api/v2/health`, { signal: AbortSignal.timeout(400) });
    return response.ok ? consoleUrl(lock.host, lock.port) : null;
  } catch {
    return null;
  }
}
