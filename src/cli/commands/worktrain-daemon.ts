// `worktrain daemon run` (and bare `worktrain daemon`): the foreground daemon (docs/worktrain.md §1.1, §1.2); the
// background commands start|stop|status live in worktrain-daemon-process.ts, install|uninstall in worktrain-service.ts.
import type { Command } from 'commander';
import { formatFinding } from '../../daemon/config/findings.js';
import { startDaemon } from '../../daemon/daemon.js';
import type { CliIo } from '../io.js';
import { callDaemon, daemonClient, WT_EXIT } from './worktrain-client.js';
import { daemonStatus, startDaemonProcess, stopDaemonProcess } from './worktrain-daemon-process.js';
import { installService, uninstallService } from './worktrain-service.js';

export interface DaemonRunContext {
  readonly io: CliIo;
  readonly setExitCode: (code: number) => void;
  /** Resolves when the process should stop (first SIGINT/SIGTERM); injectable for tests. */
  readonly untilStopped: () => Promise<void>;
}

export function registerDaemon(program: Command, ctx: DaemonRunContext): void {
  const daemon = program.command('daemon').description('run and manage the WorkTrain daemon');
  const run = async (options: {
    config?: string;
    host?: string;
    port?: string;
    logLevel?: string;
    watch?: boolean;
  }) => {
    const port = options.port === undefined ? undefined : Number(options.port);
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
      ctx.io.stderr(`--port must be an integer 0-65535, got ${options.port}\n`);
      ctx.setExitCode(WT_EXIT.usage);
      return;
    }
    const started = await startDaemon({
      env: ctx.io.env,
      ...(options.config === undefined ? {} : { configFile: options.config }),
      ...(options.host === undefined ? {} : { host: options.host }),
      ...(port === undefined ? {} : { port }),
      ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
      ...(options.watch === false ? { watch: false } : {}),
    });
    if (!started.ok) {
      for (const finding of started.findings) ctx.io.stderr(`${formatFinding(finding)}\n`);
      ctx.io.stderr(`${started.message}\n`);
      ctx.setExitCode(WT_EXIT.failed);
      return;
    }
    ctx.io.stdout(`WorkTrain daemon listening on ${started.daemon.url}\n`);
    await ctx.untilStopped();
    await started.daemon.stop('graceful');
  };
  const withRunOptions = (command: Command) =>
    command
      .option('--config <file>', 'triggers file (default ~/.workrail/triggers.yml)')
      .option('--host <host>', 'address to bind (default 127.0.0.1)')
      .option('--port <port>', 'port to bind (default 3200; 0 picks a free port)')
      .option('--log-level <level>', 'pino log level (default info)')
      .option('--no-watch', 'do not reload triggers.yml when it changes');
  withRunOptions(daemon.command('run', { isDefault: true }).description('run the daemon in the foreground')).action(
    run,
  );
  withRunOptions(
    daemon
      .command('start')
      .description('start the daemon in the background; succeeds once GET /health answers')
      .option('--timeout <duration>', 'how long to wait for /health', '10s'),
  ).action((options) => startDaemonProcess(ctx, options));
  daemon
    .command('stop')
    .description('stop the background daemon (SIGTERM, graceful shutdown) and wait for it to exit')
    .option('--timeout <duration>', 'how long to wait for the exit', '15s')
    .action((options: { timeout: string }) => stopDaemonProcess(ctx, options));
  daemon
    .command('status')
    .description('whether the daemon runs (pid, port, version, uptime), the service and the log path')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) => daemonStatus(ctx, options));
  daemon
    .command('install')
    .description('register the daemon as a user service (systemd on Linux, launchd on macOS)')
    .option('--autostart', 'also start it now and at every login')
    .action((options: { autostart?: boolean }) => installService(ctx, options));
  daemon
    .command('uninstall')
    .description('remove the user service')
    .action(() => uninstallService(ctx));
  daemon
    .command('unpause')
    .description('lift the kill-switch pause (all triggers, or one)')
    .option('--trigger <id>', 'only this trigger')
    .option('--port <port>', 'daemon port')
    .action(async (options: { trigger?: string; port?: string }) => {
      const client = daemonClient(ctx.io, options.port);
      const query = options.trigger === undefined ? '' : `?triggerId=${encodeURIComponent(options.trigger)}`;
      const data = await callDaemon<{ dispatchPaused: boolean; pausedTriggers: string[] }>(ctx, client, {
        method: 'DELETE',
        route: `/api/v2/kill-switch${query}`,
      });
      if (data === null) return;
      ctx.io.stdout(
        data.dispatchPaused || data.pausedTriggers.length > 0
          ? `Still paused: ${data.dispatchPaused ? 'all triggers' : data.pausedTriggers.join(', ')}\n`
          : 'Dispatch resumed.\n',
      );
    });
}

/** Resolves on the first SIGINT or SIGTERM; a second one exits at once. */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    let seen = false;
    const onSignal = () => {
      if (seen) process.exit(1);
      seen = true;
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
