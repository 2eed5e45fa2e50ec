// `workrail console [--port 3456] [--host 127.0.0.1]`: serves the web console until interrupted (docs/console.md §2).
import { createRequire } from 'node:module';
import type { Command } from 'commander';
import { startConsole } from '../../http/console-server.js';
import { type CommandContext, EXIT } from '../io.js';

const { version } = createRequire(import.meta.url)('../../../package.json') as { version: string };

export interface ConsoleCommandOptions {
  /** Resolves when the console should stop; defaults to SIGINT or SIGTERM. */
  readonly stopSignal?: () => Promise<void>;
}

export function registerConsole(program: Command, context: CommandContext, options: ConsoleCommandOptions = {}): void {
  program
    .command('console')
    .description('Serve the web console (sessions, step graphs, workflows) on a loopback port.')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '3456')
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .action(async (flags: { port: string; host: string }) => {
      const { io } = context;
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535) {
        io.stderr(`workrail console: --port must be an integer from 0 to 65535, got "${flags.port}"\n`);
        context.setExitCode(EXIT.usage);
        return;
      }
      const token = io.env.WORKRAIL_CONSOLE_TOKEN;
      const outcome = await startConsole({
        deps: context.deps(),
        host: flags.host,
        port,
        version,
        ...(token === undefined ? {} : { token }),
        onError: (error) => io.stderr(`workrail console: ${error instanceof Error ? error.stack : String(error)}\n`),
      });
      switch (outcome.kind) {
        case 'already_running':
          io.stdout(`WorkRail console: ${outcome.url}\n`);
          return;
        case 'port_in_use':
          io.stderr(`workrail console: port ${outcome.port} is already in use\n`);
          context.setExitCode(EXIT.failed);
          return;
        case 'token_required':
          io.stderr(`workrail console: binding ${flags.host} (not loopback) requires WORKRAIL_CONSOLE_TOKEN\n`);
          context.setExitCode(EXIT.failed);
          return;
        case 'started':
          io.stdout(`WorkRail console: ${outcome.console.url}\n`);
          await (options.stopSignal ?? untilSignal)();
          await outcome.console.close();
          return;
        default: {
          const unreachable: never = outcome;
          throw new Error(`unknown console outcome ${JSON.stringify(unreachable)}`);
        }
      }
    });
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
