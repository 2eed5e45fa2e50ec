// What `workrail` and `worktrain` print and return for an error that escaped a command. Not in io.ts: the MCP server
// loads io.ts on start, and this file reaches the app's config and the stores.
import { CommanderError } from 'commander';
import { ConfigError } from '../app/config.js';
import { StoreUnavailableError } from '../store/index.js';
import { type CliIo, EXIT } from './io.js';

/** Commander's own errors are already printed; a setting or a store the user can fix is named; anything else is a bug. */
export function exitForError(program: string, error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (error instanceof ConfigError || error instanceof StoreUnavailableError) {
    io.stderr(`${program}: ${error.message}\n`);
    return error instanceof ConfigError ? EXIT.usage : EXIT.failed;
  }
  io.stderr(`${program}: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT.failed;
}
