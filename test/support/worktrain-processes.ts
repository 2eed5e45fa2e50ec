// WorkTrain daemons as child processes (`node --import tsx test/support/worktrain-entry.ts daemon run`), for the
// tests of several daemons sharing one PostgreSQL: each with its own WORKRAIL_HOME and environment.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DaemonSession } from '../../src/daemon/sessions.js';
import { API_KEY } from './scripted-llm-server.js';
import { gitWorkspace, tempDir, WORKFLOW_ID } from './worktrain-harness.js';

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

/** The daemon's record of session `id` (`GET /api/v2/sessions/:id`). */
export async function record(daemon: Daemon, id: string): Promise<DaemonSession> {
  return (await daemon.api('GET', `/api/v2/sessions/${id}`)).json.data as DaemonSession;
}

/** The daemon's records of `triggerId`'s sessions, at most `limit` (`GET /api/v2/sessions`). */
export async function sessions(daemon: Daemon, triggerId: string, limit: number): Promise<DaemonSession[]> {
  const answer = await daemon.api('GET', `/api/v2/sessions?triggerId=${triggerId}&limit=${limit}`);
  return (answer.json.data as { sessions: DaemonSession[] }).sessions;
}

/** The lines of a `generic` (webhook) trigger whose goal is `Fix #<n>` for a body `{ n }`, then `lines`. */
export function webhookTrigger(...lines: string[]): string[] {
  return ['provider: generic', 'goalTemplate: "Fix #{{$.n}}"', ...lines];
}

export interface SharedClusterOptions {
  readonly databaseUrl: string;
  readonly llmBaseUrl: string;
  /** A fresh `gitWorkspace` unless given. */
  readonly workspace?: string | undefined;
  /**
   * triggers.yml, by trigger id: each trigger's own lines (provider first). Every trigger also gets the fixture
   * workflow, the workspace and the scripted LLM (key `$LLM_KEY`).
   */
  readonly triggers: Readonly<Record<string, readonly string[]>>;
  /** Variables of .env besides `LLM_KEY`. */
  readonly dotEnv?: Readonly<Record<string, string>>;
}

export interface SharedCluster {
  readonly databaseUrl: string;
  readonly dataDir: string;
  readonly workspace: string;
  /** The text of triggers.yml with only the triggers `ids` (all of them by default). */
  triggersYml(ids?: readonly string[]): string;
  /**
   * Spawns one more daemon with a fresh WORKRAIL_HOME (triggers.yml, .env), the shared data dir and database,
   * WORKTRAIN_MAX_CONCURRENT_SESSIONS `maxSessions`, and `env` on top.
   */
  start(options: {
    readonly maxSessions: number;
    readonly env?: Readonly<Record<string, string>>;
    readonly watch?: boolean;
  }): Promise<Daemon>;
}

/** Daemons of the shared mode (docs/worktrain-several-machines.md): one data dir and one PostgreSQL database. */
export function sharedCluster(cleanups: (() => unknown)[], options: SharedClusterOptions): SharedCluster {
  const workspace = options.workspace ?? gitWorkspace(cleanups);
  const dataDir = tempDir(cleanups, 'worktrain-shared-data-');
  const entry = (id: string, lines: readonly string[]) =>
    [
      `  - id: ${id}`,
      ...[
        ...lines,
        `workflowId: ${WORKFLOW_ID}`,
        `workspacePath: ${workspace}`,
        `agentConfig: { provider: anthropic, baseUrl: ${options.llmBaseUrl}, apiKey: $LLM_KEY }`,
      ].map((line) => `    ${line}`),
    ].join('\n');
  const triggersYml = (ids = Object.keys(options.triggers)) =>
    `triggers:\n${ids.map((id) => `${entry(id, options.triggers[id] ?? [])}\n`).join('')}`;
  const dotEnv = Object.entries({ LLM_KEY: API_KEY, ...options.dotEnv })
    .map(([name, value]) => `${name}=${value}\n`)
    .join('');
  return {
    databaseUrl: options.databaseUrl,
    dataDir,
    workspace,
    triggersYml,
    start({ maxSessions, env = {}, watch = false }) {
      const home = tempDir(cleanups, 'worktrain-shared-home-');
      writeFileSync(path.join(home, 'triggers.yml'), triggersYml());
      writeFileSync(path.join(home, '.env'), dotEnv, { mode: 0o600 });
      const shared = {
        WORKRAIL_DATA_DIR: dataDir,
        WORKRAIL_DATABASE_URL: options.databaseUrl,
        WORKTRAIN_MAX_CONCURRENT_SESSIONS: String(maxSessions),
      };
      return spawnDaemon(cleanups, home, { ...shared, ...env }, { watch });
    },
  };
}

export { until } from './until.js';
