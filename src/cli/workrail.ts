// The `workrail` binary: a small CLI over the app's use cases. Each command lives in commands/<command>.ts.

import { createRequire } from 'node:module';
import { Command } from 'commander';
import { type App, createApp } from '../app/create-app.js';
import { registerConsole } from './commands/console.js';
import { registerDemo } from './commands/demo.js';
import { registerInspect } from './commands/inspect.js';
import { registerList } from './commands/list.js';
import { serve } from './commands/serve.js';
import { registerSessions } from './commands/sessions.js';
import { registerStore } from './commands/store.js';
import { registerValidate } from './commands/validate.js';
import { withDatabaseUrlOption } from './database-url-option.js';
import { exitForError } from './exit-for-error.js';
import { type CliIo, type CommandContext, EXIT, processIo } from './io.js';
import { isServeInvocation } from './serve-invocation.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** Entry point of the `workrail` binary. Returns the process exit code: 0 ok, 1 failure, 2 usage error. */
export async function main(argv: readonly string[], callerIo: CliIo = processIo()): Promise<number> {
  if (isServeInvocation(argv)) return serve(argv, callerIo);

  let exitCode: number = EXIT.ok;
  let app: App | undefined;
  const program = new Command('workrail');
  const io = withDatabaseUrlOption(program, callerIo);
  const context: CommandContext = {
    io,
    deps: () => {
      app ??= createApp({ env: io.env });
      return app;
    },
    setExitCode: (code) => {
      exitCode = Math.max(exitCode, code);
    },
  };

  program
    .description('Workflows that AI coding agents follow one step at a time.')
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)');
  registerValidate(program, context);
  registerList(program, context);
  registerInspect(program, context);
  registerSessions(program, context);
  registerStore(program, context);
  registerConsole(program, context);
  registerDemo(program, context);

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return exitForError('workrail', error, io);
  } finally {
    app?.close();
  }
}
