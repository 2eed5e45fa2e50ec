// The `worktrain` binary: the daemon and the commands that talk to it (docs/worktrain.md §10). Each command group
// lives in commands/worktrain-<group>.ts. Exit codes: 0 ok, 1 failure, 2 usage, 3 timed out, 4 daemon unreachable.
import { Command } from 'commander';
import { VERSION } from '../daemon/version.js';
import { registerWorktrainConsole } from './commands/worktrain-console.js';
import { registerDaemon, untilSignal } from './commands/worktrain-daemon.js';
import { registerDispatch } from './commands/worktrain-dispatch.js';
import { registerInbox } from './commands/worktrain-inbox.js';
import { registerInit } from './commands/worktrain-init.js';
import { registerKillSessions } from './commands/worktrain-kill-sessions.js';
import { registerLogs } from './commands/worktrain-logs.js';
import { registerSessions } from './commands/worktrain-sessions.js';
import { registerStatus } from './commands/worktrain-status.js';
import { registerTrigger } from './commands/worktrain-trigger.js';
import { registerWorktree } from './commands/worktrain-worktree.js';
import { withDatabaseUrlOption } from './database-url-option.js';
import { exitForError } from './exit-for-error.js';
import { type CliIo, processIo } from './io.js';

/** Entry point of the `worktrain` binary. Returns the process exit code. */
export async function main(
  argv: readonly string[],
  callerIo: CliIo = processIo(),
  untilStopped: () => Promise<void> = untilSignal,
): Promise<number> {
  let exitCode = 0;
  const setExitCode = (code: number) => {
    exitCode = Math.max(exitCode, code);
  };
  const program = new Command('worktrain');
  const io = withDatabaseUrlOption(program, callerIo);
  program
    .description('WorkTrain: runs WorkRail workflows autonomously from triggers.')
    .version(VERSION, '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)');
  registerDaemon(program, { io, setExitCode, untilStopped });
  registerTrigger(program, { io, setExitCode });
  registerWorktree(program, { io, setExitCode });
  registerDispatch(program, { io, setExitCode });
  registerStatus(program, { io, setExitCode });
  registerSessions(program, { io, setExitCode });
  registerLogs(program, { io, setExitCode, untilStopped });
  registerKillSessions(program, { io, setExitCode });
  registerInit(program, { io, setExitCode });
  registerInbox(program, { io, setExitCode, untilStopped });
  registerWorktrainConsole(program, { io, setExitCode, untilStopped });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return exitForError('worktrain', error, io);
  }
}
