// The global `--database-url <url>` option of `workrail` and `worktrain`: it sets WORKRAIL_DATABASE_URL in the
// environment the command's app is built from, so every program (MCP server, CLI, console, daemon) picks the same store.
import type { Command } from 'commander';
import { databaseUrlProblem } from '../store/database-url.js';
import type { CliIo } from './io.js';

export const DATABASE_URL_FLAG = '--database-url';
const DESCRIPTION = 'session store on PostgreSQL (postgres://user:password@host:5432/db); sets WORKRAIL_DATABASE_URL';

/**
 * Declares the option on `program` and returns the io the commands should use: its env is a copy that receives the
 * option's value before any command runs. A value that is not a PostgreSQL URL is a usage error (password hidden).
 */
export function withDatabaseUrlOption(program: Command, io: CliIo): CliIo {
  const env: { [name: string]: string | undefined } = { ...io.env };
  program.option(`${DATABASE_URL_FLAG} <url>`, DESCRIPTION);
  program.hook('preAction', () => {
    const url = program.opts<{ databaseUrl?: string }>().databaseUrl;
    if (url === undefined) return;
    const problem = databaseUrlProblem(url, DATABASE_URL_FLAG);
    if (problem !== null) program.error(problem, { exitCode: 2, code: 'workrail.invalidDatabaseUrl' });
    env.WORKRAIL_DATABASE_URL = url;
  });
  return { ...io, env };
}
