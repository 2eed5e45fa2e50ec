// `worktrain daemon run` (and bare `worktrain daemon`): the foreground daemon (docs/worktrain.md §1.1, §1.2).
import type { Command } from 'commander';
import { formatFinding } from '../../daemon/config/findings.js';
import { startDaemon } from '../../daemon/daemon.js';
import type { CliIo } from '../io.js';
import { WT_EXIT } from './worktrain-client.js';

export interface DaemonRunContext {
  readonly io: CliIo;
  readonly setExitCode: (code: number) => void;
  /** Resolves when the process should stop (first SIGINT/SIGTERM); injectable for tests. */
  readonly untilStopped: () => Promise<void>;
}

export function registerDaemon(program: Command, ctx: DaemonRunContext): void {
  const daemon = program.command('daemon').description('run and manage the WorkTrain daemon');
  const run = async (options: { config?: string; host?: string; port?: string; logLevel?: string }) => {
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
      .option('--log-level <level>', 'pino log level (default info)');
  withRunOptions(daemon.command('run', { isDefault: true }).description('run the daemon in the foreground')).action(
    run,
  );
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
