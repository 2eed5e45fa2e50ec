// `worktrain daemon start|stop|status` (docs/worktrain.md §10): the background daemon. `start` uses the installed
// service when its manager is available, else spawns a detached `worktrain daemon run` logging to
// ~/.workrail/logs/daemon.log, and succeeds only once that daemon's GET /health answers. `stop` sends SIGTERM to
// the pid in daemon.lock (graceful shutdown, §1.2) and waits for the process to exit.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { workrailHomeOf } from '../../daemon/daemon.js';
import { type DaemonLock, daemonLockPath, processAlive, readDaemonLock } from '../../daemon/daemon-lock.js';
import { VERSION } from '../../daemon/version.js';
import type { CliIo } from '../io.js';
import { WT_EXIT } from './worktrain-client.js';
import { parseDuration } from './worktrain-dispatch.js';
import { cliEntry, daemonLogFile, runManager, serviceInstalled, serviceStartCommand } from './worktrain-service.js';

interface Ctx {
  readonly io: CliIo;
  readonly setExitCode: (code: number) => void;
}

export interface StartOptions {
  readonly timeout: string;
  readonly config?: string;
  readonly host?: string;
  readonly port?: string;
  readonly logLevel?: string;
}

interface Health {
  readonly status: string;
  readonly version: string;
  readonly uptimeMs: number;
}

const POLL_MS = 100;

export async function startDaemonProcess(ctx: Ctx, options: StartOptions): Promise<void> {
  const { io } = ctx;
  const home = workrailHomeOf(io.env);
  const logFile = daemonLogFile(io.env);
  const running = liveLock(home);
  if (running !== null) {
    io.stdout(`WorkTrain daemon already running (pid ${running.pid}, port ${running.port}). Log: ${logFile}\n`);
    return;
  }
  mkdirSync(path.dirname(logFile), { recursive: true });
  const logOffset = sizeOf(logFile);
  const deadline = Date.now() + parseDuration(options.timeout);

  const viaService = serviceStartCommand(io.env);
  const spawned: { pid: number | null; exit: { code: number | null; signal: string | null } | null } = {
    pid: null,
    exit: null,
  };
  if (viaService !== null) {
    const failure = runManager(viaService, io.env);
    if (failure !== null) {
      io.stderr(`${failure}\nLog: ${logFile}\n`);
      ctx.setExitCode(WT_EXIT.failed);
      return;
    }
  } else {
    const args = [cliEntry(), 'daemon', 'run'];
    if (options.config !== undefined) args.push('--config', path.resolve(io.cwd, options.config));
    if (options.host !== undefined) args.push('--host', options.host);
    if (options.port !== undefined) args.push('--port', options.port);
    if (options.logLevel !== undefined) args.push('--log-level', options.logLevel);
    const out = openSync(logFile, 'a', 0o600);
    const child = spawn(process.execPath, args, {
      cwd: io.env.HOME !== undefined && io.env.HOME !== '' ? io.env.HOME : home,
      env: { ...io.env },
      detached: true,
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    spawned.pid = child.pid ?? null;
    child.on('exit', (code, signal) => {
      spawned.exit = { code, signal };
    });
    child.unref();
  }

  for (;;) {
    const lock = readDaemonLock(home);
    if (lock !== null && (spawned.pid === null || lock.pid === spawned.pid) && lock.port !== 0) {
      const health = await fetchHealth(lock);
      if (health !== null) {
        io.stdout(`WorkTrain daemon started (pid ${lock.pid}) on http://${lock.host}:${lock.port}. Log: ${logFile}\n`);
        if (health.version !== VERSION) {
          io.stderr(`Warning: the daemon runs version ${health.version}, this CLI is ${VERSION}.\n`);
        }
        return;
      }
    }
    const failedExit = spawned.exit;
    if (failedExit !== null || Date.now() > deadline) {
      const why =
        failedExit !== null
          ? `exited with ${failedExit.code === null ? `signal ${failedExit.signal}` : `code ${failedExit.code}`}`
          : `did not answer GET /health within ${options.timeout}`;
      if (failedExit === null && spawned.pid !== null && processAlive(spawned.pid))
        process.kill(spawned.pid, 'SIGTERM');
      const tail = logTail(logFile, logOffset);
      io.stderr(`WorkTrain daemon failed to start: it ${why}.${tail === '' ? '' : `\n${tail}`}\nLog: ${logFile}\n`);
      ctx.setExitCode(WT_EXIT.failed);
      return;
    }
    await sleep(POLL_MS);
  }
}

export async function stopDaemonProcess(ctx: Ctx, options: { timeout: string }): Promise<void> {
  const { io } = ctx;
  const home = workrailHomeOf(io.env);
  const lock = readDaemonLock(home);
  if (lock === null || !processAlive(lock.pid)) {
    if (lock !== null) rmSync(daemonLockPath(home), { force: true });
    io.stdout('WorkTrain daemon is not running; nothing to stop.\n');
    return;
  }
  try {
    process.kill(lock.pid, 'SIGTERM');
  } catch (error) {
    io.stderr(`Cannot signal the daemon (pid ${lock.pid}): ${(error as Error).message}\n`);
    ctx.setExitCode(WT_EXIT.failed);
    return;
  }
  const deadline = Date.now() + parseDuration(options.timeout);
  while (processAlive(lock.pid)) {
    if (Date.now() > deadline) {
      io.stderr(
        `WorkTrain daemon (pid ${lock.pid}) did not exit within ${options.timeout}. Force it with: kill -9 ${lock.pid}\n`,
      );
      ctx.setExitCode(WT_EXIT.failed);
      return;
    }
    await sleep(POLL_MS);
  }
  io.stdout(`WorkTrain daemon stopped (pid ${lock.pid}).\n`);
}

export async function daemonStatus(ctx: Ctx, options: { json?: boolean }): Promise<void> {
  const { io } = ctx;
  const home = workrailHomeOf(io.env);
  const logFile = daemonLogFile(io.env);
  const service = serviceInstalled(io.env);
  const lock = liveLock(home);
  const health = lock === null ? null : await fetchHealth(lock);
  const api = lock === null || health === null ? null : await fetchStatus(lock);
  const report = {
    installed: service.installed,
    serviceFile: service.file,
    running: health !== null,
    pid: lock?.pid ?? null,
    port: lock?.port ?? null,
    version: health?.version ?? null,
    cliVersion: VERSION,
    uptimeMs: health?.uptimeMs ?? null,
    paused: api?.dispatchPaused ?? false,
    pausedTriggers: api?.pausedTriggers ?? [],
    sessions: {
      running: api?.running ?? 0,
      queued: api?.queued ?? 0,
      parked: api?.parked ?? 0,
      deliveryFailed: api?.deliveryFailed ?? 0,
    },
    logFile,
  };
  if (options.json === true) {
    io.stdout(`${JSON.stringify(report)}\n`);
  } else {
    const lines: string[] = [];
    if (lock !== null && health !== null) {
      lines.push(
        `WorkTrain daemon running: pid ${lock.pid}, port ${lock.port}, version ${health.version}, up ${formatUptime(health.uptimeMs)}.`,
        `Sessions: ${report.sessions.running} running, ${report.sessions.queued} queued, ${report.sessions.parked} parked.`,
      );
      lines.push(
        report.sessions.deliveryFailed === 0
          ? 'Delivery failures: 0.'
          : `Delivery failures: ${report.sessions.deliveryFailed} (see worktrain inbox; retry with: worktrain sessions deliver <id>).`,
      );
      if (report.paused) lines.push('Dispatch is paused (kill switch). Resume with: worktrain daemon unpause');
      else if (report.pausedTriggers.length > 0)
        lines.push(`Paused triggers: ${report.pausedTriggers.join(', ')} (worktrain daemon unpause --trigger <id>)`);
    } else if (lock !== null) {
      lines.push(`WorkTrain daemon process ${lock.pid} is alive but does not answer on port ${lock.port}.`);
    } else {
      lines.push('WorkTrain daemon not running. Start it with: worktrain daemon start');
    }
    lines.push(`Service: ${service.installed ? `installed (${service.file})` : 'not installed'}`, `Log: ${logFile}`);
    io.stdout(`${lines.join('\n')}\n`);
  }
  if (lock !== null && health === null) ctx.setExitCode(WT_EXIT.unreachable);
}

/** `1h 2m`, `3m 4s`, `5s`. */
export function formatUptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

function liveLock(home: string): DaemonLock | null {
  const lock = readDaemonLock(home);
  return lock !== null && processAlive(lock.pid) ? lock : null;
}

async function fetchHealth(lock: DaemonLock): Promise<Health | null> {
  try {
    const response = await fetch(`http://${loopback(lock.host)}:${lock.port}/health`, {
      signal: AbortSignal.timeout(2000),
    });
    if (!response.ok) return null;
    const body = (await response.json()) as Partial<Health>;
    return body.status === 'ok'
      ? { status: 'ok', version: String(body.version), uptimeMs: Number(body.uptimeMs) }
      : null;
  } catch {
    return null;
  }
}

interface ApiStatus {
  running: number;
  queued: number;
  parked: number;
  deliveryFailed?: number;
  dispatchPaused?: boolean;
  pausedTriggers?: string[];
}

async function fetchStatus(lock: DaemonLock): Promise<ApiStatus | null> {
  try {
    const response = await fetch(`http://${loopback(lock.host)}:${lock.port}/api/v2/status`, {
      signal: AbortSignal.timeout(2000),
    });
    const body = (await response.json()) as { success?: boolean; data?: ApiStatus };
    return body.success === true && body.data !== undefined ? body.data : null;
  } catch {
    return null;
  }
}

/** A daemon bound to every interface is reached on loopback. */
function loopback(host: string): string {
  return host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** The last lines the failed daemon wrote, from `offset` on. */
function logTail(file: string, offset: number): string {
  let text: string;
  try {
    text = readFileSync(file).subarray(offset).toString('utf8');
  } catch {
    return '';
  }
  return text.trimEnd().split('\n').slice(-10).join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
