// `worktrain console [--port 3456] [--host 127.0.0.1]`: the same web console as `workrail console`
// (docs/console.md §2), registered on the worktrain binary with the app built on first use and closed after.
import type { Command } from 'commander';
import { type App, createApp } from '../../app/create-app.js';
import type { CliIo } from '../io.js';
import { registerConsole } from './console.js';

interface Ctx {
  readonly io: CliIo;
  readonly setExitCode: (code: number) => void;
  /** Resolves when the console should stop; defaults to SIGINT or SIGTERM. */
  readonly untilStopped?: () => Promise<void>;
}

export function registerWorktrainConsole(program: Command, ctx: Ctx): void {
  let app: App | undefined;
  const deps = () => {
    app ??= createApp({ env: ctx.io.env });
    return app;
  };
  registerConsole(
    program,
    { io: ctx.io, deps, setExitCode: ctx.setExitCode },
    ctx.untilStopped === undefined ? {} : { stopSignal: ctx.untilStopped },
  );
  program.commands
    .find((command) => command.name() === 'console')
    ?.hook('postAction', () => {
      app?.close();
      app = undefined;
    });
}
