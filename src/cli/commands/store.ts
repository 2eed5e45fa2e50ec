// `workrail store migrate --to <postgres-url|sqlite-file>`: copies the configured session store (SQLite by default,
// or WORKRAIL_DATABASE_URL) into another, verifying counts and per-session hashes (store/copy-store.ts). Tokens stay
// valid after the move: they are resolved through the copied token rows and signed with the unchanged keyring.
import path from 'node:path';
import type { Command } from 'commander';
import { copyStore } from '../../store/copy-store.js';
import { isPostgresUrl, openSessionStore, redactDatabaseUrl } from '../../store/index.js';
import { plural } from '../format.js';
import { type CommandContext, EXIT } from '../io.js';

export function registerStore(program: Command, context: CommandContext): void {
  const store = program.command('store').description('Manage the session store.');
  store
    .command('migrate')
    .description('Copy every session, token and pinned workflow into another store, then verify the copy.')
    .requiredOption('--to <target>', 'a postgres://… URL, or the path of a SQLite file')
    .addHelpText(
      'after',
      '\nRunning it again after an interruption copies only what is missing. Exit status: 0 when the copy is verified,' +
        '\n1 when it is refused or differs, 2 on usage errors.',
    )
    .action((options: { to: string }) => migrate(context, options.to));
}

function migrate(context: CommandContext, to: string): void {
  const { io } = context;
  const deps = context.deps();
  const isPostgres = isPostgresUrl(to);
  if (!isPostgres && /^[a-z][a-z0-9+.-]*:\/\//i.test(to)) {
    io.stderr(
      `workrail store migrate: --to must be a postgres:// URL or a file path, got "${redactDatabaseUrl(to)}".\n`,
    );
    context.setExitCode(EXIT.usage);
    return;
  }
  const label = isPostgres ? redactDatabaseUrl(to) : path.resolve(io.cwd, to);
  let target: ReturnType<typeof openSessionStore>;
  try {
    target = isPostgres
      ? openSessionStore({ databaseUrl: to, dataDir: deps.config.dataDir })
      : openSessionStore({ sqlitePath: label, dataDir: deps.config.dataDir });
  } catch (error) {
    io.stderr(`workrail store migrate: cannot open ${label}: ${message(error)}\n`);
    context.setExitCode(EXIT.failed);
    return;
  }
  try {
    const result = copyStore(deps.store, target);
    if (!result.ok) {
      const where = result.sessionId === null ? '' : ` (session ${result.sessionId})`;
      io.stderr(`workrail store migrate: the copy to ${label} failed${where}: ${result.reason}.\n`);
      context.setExitCode(EXIT.failed);
      return;
    }
    const r = result.report;
    io.stdout(
      `Copied ${plural(r.copied, 'session')} to ${label} (${r.sessions - r.copied} already there).\n` +
        `Verified ${plural(r.sessions, 'session')}, ${plural(r.events, 'event')}, ${plural(r.tokens, 'token')}, ` +
        `${plural(r.workflows, 'pinned workflow')} and ${plural(r.roots, 'workspace root')}; digest ${r.digest}.\n` +
        (isPostgres
          ? `Use it with WORKRAIL_DATABASE_URL=${label} (or --database-url); tokens keep working with the keys in ${deps.config.keysDir}.\n`
          : ''),
    );
  } finally {
    target.close();
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
