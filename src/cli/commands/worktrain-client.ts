// How worktrain commands reach a running daemon (docs/worktrain.md §10): address from --port, else daemon.lock, else
// WORKRAIL_TRIGGER_PORT, else 3200; writes send the api-token. Unreachable → exit 4.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readApiToken } from '../../daemon/api-token.js';
import { workrailHomeOf } from '../../daemon/daemon.js';
import { DEFAULTS } from '../../daemon/defaults.js';
import type { CliIo } from '../io.js';

export const WT_EXIT = { ok: 0, failed: 1, usage: 2, timeout: 3, unreachable: 4 } as const;

export interface DaemonClient {
  readonly baseUrl: string;
  request(
    method: string,
    route: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> } | null>;
}

export function daemonClient(io: CliIo, port?: string): DaemonClient {
  const home = workrailHomeOf(io.env);
  const resolvedPort = port ?? lockPort(home) ?? io.env.WORKRAIL_TRIGGER_PORT ?? String(DEFAULTS.port);
  const baseUrl = `http://${DEFAULTS.host}:${resolvedPort}`;
  return {
    baseUrl,
    async request(method, route, body) {
      const token = readApiToken(home, io.env);
      try {
        const response = await fetch(`${baseUrl}${route}`, {
          method,
          headers: {
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(token === null ? {} : { authorization: `Bearer ${token}` }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return { status: response.status, json: (await response.json()) as Record<string, unknown> };
      } catch {
        return null;
      }
    },
  };
}

/** What a worktrain command needs to talk to the user. */
export interface CommandIo {
  readonly io: CliIo;
  readonly setExitCode: (code: number) => void;
}

/**
 * Sends one request and returns the answer's `data`. When the daemon is unreachable or refuses, says so on stderr
 * (`refusal` prefixes the daemon's error), sets the exit code and returns null.
 */
export async function callDaemon<T>(
  ctx: CommandIo,
  client: DaemonClient,
  request: { method: string; route: string; body?: unknown; refusal?: string },
): Promise<T | null> {
  const answer = await client.request(request.method, request.route, request.body);
  if (answer === null) {
    ctx.setExitCode(unreachable(ctx.io, client));
    return null;
  }
  if (answer.json.success !== true) {
    const prefix = request.refusal === undefined ? '' : `${request.refusal} (${String(answer.json.code)}): `;
    ctx.io.stderr(`${prefix}${String(answer.json.error)}\n`);
    ctx.setExitCode(WT_EXIT.failed);
    return null;
  }
  return answer.json.data as T;
}

export function unreachable(io: CliIo, client: DaemonClient): number {
  io.stderr(`WorkTrain daemon is not reachable at ${client.baseUrl}. Start it with: worktrain daemon start\n`);
  return WT_EXIT.unreachable;
}

function lockPort(home: string): string | undefined {
  try {
    const lock = JSON.parse(readFileSync(path.join(home, 'daemon.lock'), 'utf8')) as { port?: unknown };
    return typeof lock.port === 'number' ? String(lock.port) : undefined;
  } catch {
    return undefined;
  }
}
