// WorkTrain daemons as child processes (`node --import tsx test/support/worktrain-entry.ts daemon run`), for the
// tests of several daemons sharing one PostgreSQL: each with its own WORKRAIL_HOME and environment.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

export interface Daemon {
  readonly url: string;
  readonly home: string;
  readonly pid: number;
  readonly logs: () => string;
  api(method: string, route: string, body?: unknown): Promise<{ status: number; json: { data?: unknown } }>;
  webhook(
    body: unknown,
    triggerId?: string,
  ): Promise<{ status: number; json: { sessionId?: string; status?: string } }>;
  kill(): Promise<void>;
  /** SIGTERM; resolves with the exit code. */
  terminate(): Promise<number | null>;
}

/** `worktrain daemon run --port 0` as a child process (`--no-watch` unless `watch`); resolves once it listens. */
export function spawnDaemon(
  cleanups: (() => unknown)[],
  home: string,
  extraEnv: Record<string, string>,
  options: { readonly watch?: boolean } = {},
): Promise<Daemon> {
  const env = { PATH: process.env.PATH ?? '', HOME: home, WORKRAIL_HOME: home, WORKFLOW_INCLUDE_USER: 'false' };
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'test/support/worktrain-entry.ts',
      'daemon',
      'run',
      '--port',
      '0',
      ...(options.watch === true ? [] : ['--no-watch']),
    ],
    { cwd: root, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    return exited;
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /WorkTrain daemon listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match === null) return;
      const url = match[1] as string;
      const token = readFileSync(path.join(home, 'api-token'), 'utf8').trim();
      const call = async (method: string, route: string, body?: unknown, auth = true) => {
        const response = await fetch(`${url}${route}`, {
          method,
          headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return { status: response.status, json: (await response.json()) as never };
      };
      resolve({
        url,
        home,
        pid: child.pid ?? -1,
        logs: () => err,
        api: (method, route, body) => call(method, route, body),
        webhook: (body, triggerId = 'fix') => call('POST', `/webhook/${triggerId}`, body, false),
        async kill() {
          child.kill('SIGKILL');
          await exited;
        },
        async terminate() {
          child.kill('SIGTERM');
          await exited;
          return child.exitCode;
        },
      });
    });
    child.once('exit', (code) => reject(new Error(`daemon exited ${code}: ${err}`)));
  });
}

export { until } from './until.js';
