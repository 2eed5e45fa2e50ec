// Daemon startup and shutdown (docs/worktrain.md §1.1, §1.2): .env, single-instance lock, triggers.yml (any error
// refuses to start), HTTP server, then `stop()` checkpoints running sessions as interrupted and releases the lock.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import type { DestinationStream } from 'pino';
import { type App, createApp } from '../app/index.js';
import { loadOrCreateApiToken } from './api-token.js';
import { type Env, loadEnvFile } from './config/env-file.js';
import { type Finding, hasErrors } from './config/findings.js';
import { readGitIdentity } from './config/git-identity.js';
import { loadTriggers, type TriggerConfig } from './config/load-triggers.js';
import { type TriggersWatcher, watchTriggers } from './config/watch-triggers.js';
import { createDaemonCore, type DaemonCore } from './core.js';
import { daemonLockPath, processAlive, readDaemonLock } from './daemon-lock.js';
import { DEFAULTS } from './defaults.js';
import { runDelivery } from './delivery/pipeline.js';
import { hasUncommittedChanges, removeWorktree, setupWorktree } from './delivery/worktree-setup.js';
import type { Dispatch } from './dispatch.js';
import { createEventLog } from './events.js';
import { createDaemonHttp } from './http/server.js';
import { createDaemonLogger, type Logger } from './logger.js';
import { createNotifier, readNotifySettings } from './notifier.js';
import { createPollerHost, type PollerHost } from './pollers/poller-host.js';
import type { Provider } from './providers/types.js';
import { recoverSessions } from './recovery.js';
import { createRedactor, type Redactor } from './redact.js';
import { createScheduler, type Scheduler } from './schedule/scheduler.js';
import { openSharedRuntime, type SharedRuntime } from './shared/shared-runtime.js';
import { sharedSettingsOf } from './shared/shared-settings.js';
import { openDaemonDb } from './state/daemon-db.js';
import { createOutbox } from './state/notices.js';
import { createSidecarStore } from './state/sidecars.js';
import { createLocalTriggerStores } from './state/trigger-stores.js';
import { VERSION } from './version.js';

export interface StartDaemonOptions {
  readonly env: Env;
  /** `--config`; default `<WORKRAIL_HOME>/triggers.yml`. */
  readonly configFile?: string;
  readonly host?: string;
  readonly port?: number;
  readonly logLevel?: string;
  readonly logDestination?: DestinationStream;
  readonly retryBaseMs?: number;
  readonly providerFor?: (dispatch: Dispatch) => Provider;
  /** false (`--no-watch`): triggers.yml is not watched for changes (§3.1). */
  readonly watch?: boolean;
}

export interface RunningDaemon {
  readonly url: string;
  readonly port: number;
  readonly core: DaemonCore;
  readonly app: App;
  readonly logger: Logger;
  readonly redact: Redactor;
  /** The timers of the schedule triggers (§4.3). */
  readonly schedules: Scheduler;
  /** The loops of the polling triggers and their item ledger (§4.1, §7.2). */
  readonly pollers: PollerHost;
  /** Graceful shutdown (§1.2); resolves when the lock is released. */
  stop(reason?: 'graceful' | 'crash'): Promise<void>;
}

export type StartResult =
  | { readonly ok: true; readonly daemon: RunningDaemon; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly message: string; readonly findings: readonly Finding[] };

const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL)/i;

export function workrailHomeOf(env: Env): string {
  const home = env.HOME !== undefined && env.HOME !== '' ? env.HOME : os.homedir();
  return path.resolve(
    env.WORKRAIL_HOME !== undefined && env.WORKRAIL_HOME !== '' ? env.WORKRAIL_HOME : path.join(home, '.workrail'),
  );
}

export async function startDaemon(options: StartDaemonOptions): Promise<StartResult> {
  const workrailHome = workrailHomeOf(options.env);
  const loaded = loadEnvFile(path.join(workrailHome, '.env'), options.env);
  const env = loaded.env;
  const host = options.host ?? DEFAULTS.host;
  const port = options.port ?? numberOr(env.WORKRAIL_TRIGGER_PORT, DEFAULTS.port);
  const lockFile = daemonLockPath(workrailHome);
  const holder = liveLockHolder(workrailHome);
  if (holder !== null) {
    return {
      ok: false,
      message: `WorkTrain daemon already running (pid ${holder.pid}, port ${holder.port})`,
      findings: [],
    };
  }

  const app = createApp({ env });
  const triggersFile = options.configFile ?? path.join(workrailHome, 'triggers.yml');
  const loadConfig = () =>
    loadTriggers(triggersFile, {
      env,
      host,
      ...(env.WORKRAIL_DEFAULT_WORKSPACE === undefined ? {} : { defaultWorkspace: env.WORKRAIL_DEFAULT_WORKSPACE }),
      workflowExists: (id, ws) => app.sources.list(ws).entries.some((entry) => entry.id === id),
    });
  const config: TriggerConfig = existsSync(triggersFile)
    ? loadConfig()
    : { file: triggersFile, triggers: [], findings: [], secrets: [] };
  if (options.configFile !== undefined && !existsSync(triggersFile)) {
    app.close();
    return { ok: false, message: `Config file ${triggersFile} does not exist`, findings: [] };
  }
  if (hasErrors(config.findings)) {
    app.close();
    return {
      ok: false,
      message: `${path.basename(triggersFile)} has errors; the daemon did not start`,
      findings: config.findings,
    };
  }

  const apiToken = loadOrCreateApiToken(workrailHome, env);
  const redact = createRedactor([
    ...loaded.secrets,
    ...config.secrets,
    apiToken,
    ...Object.entries(env).flatMap(([name, value]) => (SECRET_NAME.test(name) && value !== undefined ? [value] : [])),
    ...config.triggers.flatMap((t) => [t.hmacSecret, t.agent.apiKey]),
  ]);
  const logger = createDaemonLogger({
    level: options.logLevel ?? env.WORKTRAIN_LOG_LEVEL ?? 'info',
    redact,
    ...(options.logDestination === undefined ? {} : { destination: options.logDestination }),
  });
  for (const warning of loaded.warnings) logger.warn(warning);
  const now = () => Date.now();
  const events = createEventLog({ file: path.join(app.config.dataDir, 'daemon-events.jsonl'), redact, now });
  const daemonDb = openDaemonDb(app.config.dataDir);
  // Shared mode (WORKRAIL_DATABASE_URL): records, queue and leases in PostgreSQL, shared with other instances.
  let shared: SharedRuntime | null;
  try {
    const settings = sharedSettingsOf(app.config.databaseUrl, env);
    shared = settings === null ? null : await openSharedRuntime(settings, logger);
  } catch (error) {
    app.close();
    daemonDb.close();
    return { ok: false, message: error instanceof Error ? error.message : String(error), findings: [] };
  }
  const sidecars = shared?.store ?? createSidecarStore(daemonDb);
  const triggerStores = shared?.triggerStores ?? createLocalTriggerStores(daemonDb);
  const core = createDaemonCore({
    config,
    store: sidecars,
    ...(shared === null ? {} : { createQueue: shared.createQueue, sessions: shared.sessions }),
    maxConcurrentSessions: numberOr(env.WORKTRAIN_MAX_CONCURRENT_SESSIONS, DEFAULTS.maxConcurrentSessions),
    runner: {
      app,
      events,
      redact,
      logger,
      env,
      workrailHome,
      now,
      worktrees: { setupWorktree, removeWorktree, hasUncommittedChanges, runDelivery },
      gitIdentity: readGitIdentity(workrailHome),
      ...(options.retryBaseMs === undefined ? {} : { retryBaseMs: options.retryBaseMs }),
      ...(options.providerFor === undefined ? {} : { providerFor: options.providerFor }),
    },
  });
  // The poller host subscribes to events now, so sessions that recovery ends count in the item ledger. In the shared
  // mode every instance has one (started only on the leader): the instance that runs a session settles its item.
  const newPollers = () =>
    createPollerHost({ core, ledger: triggerStores.ledger, state: triggerStores.pollState, events, logger, env, now });
  let pollers = newPollers();
  const notifier = createNotifier({
    core,
    outbox: createOutbox(daemonDb, redact),
    redact,
    logger,
    settings: readNotifySettings(env, workrailHome),
  });
  // In the shared mode a dead instance's sessions are taken over when their leases expire (shared/shared-queue.ts).
  if (shared === null) await recoverSessions({ core, store: sidecars, env, now: now(), logger });
  const startedAt = now();
  let watcher: TriggersWatcher | null = null;
  const reloadError = () => watcher?.reloadError ?? null;
  const newScheduler = () => createScheduler({ core, state: triggerStores.scheduleState, logger });
  let schedules = newScheduler();
  const http = createDaemonHttp({
    core,
    app,
    env,
    version: VERSION,
    startedAt,
    now,
    apiToken,
    host,
    logger,
    reloadError,
    nextFireAt: (triggerId) => schedules.nextFireAt(triggerId),
  });
  let server: ReturnType<typeof serve>;
  try {
    server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const s = serve({ fetch: http.fetch, hostname: host, port }, () => resolve(s));
      s.once('error', reject);
    });
  } catch (error) {
    await pollers.stop();
    await notifier.stop();
    if (shared !== null) {
      await core.shutdown(0);
      await shared.close();
    }
    app.close();
    daemonDb.close();
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'EADDRINUSE'
        ? `Port ${port} on ${host} is already in use; stop what holds it or pass --port`
        : `Cannot listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`;
    return { ok: false, message, findings: [] };
  }
  const boundPort = (server.address() as AddressInfo).port;
  mkdirSync(workrailHome, { recursive: true });
  writeFileSync(
    lockFile,
    JSON.stringify({
      pid: process.pid,
      host,
      port: boundPort,
      version: VERSION,
      startedAt: new Date(startedAt).toISOString(),
    }),
  );
  let leading = shared === null;
  const lead = () => {
    leading = true;
    schedules.start();
    pollers.start(core.config.triggers);
  };
  if (shared === null) lead();
  else {
    // Only the leader polls and fires schedules; one that loses the leader lock stops them until elected again.
    // A stopped scheduler or poller host cannot restart: fresh ones wait for the next election. The fresh poller host
    // keeps settling the items of the sessions this instance runs meanwhile.
    shared.lead(lead, () => {
      leading = false;
      schedules.stop();
      const old = pollers;
      pollers = newPollers();
      void old.stop();
      schedules = newScheduler();
    });
  }
  if (options.watch !== false) {
    const onReloaded = () => {
      if (!leading) return;
      schedules.reload();
      pollers.reload(core.config.triggers);
    };
    watcher = await watchTriggers({ file: triggersFile, load: loadConfig, core, redact, logger, onReloaded });
  }
  events.emit('triggers_loaded', { count: config.triggers.length });
  events.emit('daemon_started', { host, port: boundPort, version: VERSION });
  logger.info({ port: boundPort, triggers: config.triggers.length }, 'daemon started');

  let stopping: Promise<void> | null = null;
  const daemon: RunningDaemon = {
    url: `http://${host}:${boundPort}`,
    port: boundPort,
    core,
    app,
    logger,
    redact,
    get schedules() {
      return schedules;
    },
    get pollers() {
      return pollers;
    },
    stop(reason = 'graceful') {
      stopping ??= (async () => {
        schedules.stop();
        await pollers.stop();
        await watcher?.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        });
        await core.shutdown(DEFAULTS.shutdownGraceMs);
        await shared?.close();
        await notifier.stop();
        events.emit('daemon_stopped', { reason });
        logger.info({ reason }, 'daemon stopped');
        rmSync(lockFile, { force: true });
        app.close();
        daemonDb.close();
      })();
      return stopping;
    },
  };
  return { ok: true, daemon, warnings: loaded.warnings };
}

function liveLockHolder(workrailHome: string): { pid: number; port: number } | null {
  const lock = readDaemonLock(workrailHome);
  if (lock === null || lock.pid === process.pid || !processAlive(lock.pid)) return null;
  return { pid: lock.pid, port: lock.port };
}

function numberOr(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(n) ? n : fallback;
}
