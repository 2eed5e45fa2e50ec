// `worktrain inbox [--watch] [--json]` and `worktrain tell <message> [--session <id>] [--priority] [--workspace <name>]`
// (docs/worktrain.md §2.4, §8.6, §10). Both read and write daemon.db directly, so they work whether or not the daemon
// runs; only `tell --session` steers a running session through the daemon.
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../app/index.js';
import { loadEnvFile } from '../../daemon/config/env-file.js';
import { workrailHomeOf } from '../../daemon/daemon.js';
import { createRedactor } from '../../daemon/redact.js';
import { openDaemonDb } from '../../daemon/state/daemon-db.js';
import { createOutbox, type Notice, type Outbox } from '../../daemon/state/notices.js';
import type { CliIo } from '../io.js';
import { callDaemon, daemonClient, WT_EXIT } from './worktrain-client.js';

interface Ctx {
  readonly io: CliIo;
  readonly setExitCode: (code: number) => void;
  readonly untilStopped: () => Promise<void>;
}

const WATCH_POLL_MS = 2000;

export function registerInbox(program: Command, ctx: Ctx): void {
  program
    .command('inbox')
    .description(
      "WorkTrain's unread notices (failed sessions, PRs, delivery failures, escalations), then marks them read",
    )
    .option('--watch', 'keep printing new notices every 2 s until interrupted')
    .option('--json', 'print JSON')
    .action(async (options: { watch?: boolean; json?: boolean }) => {
      await withOutbox(ctx.io, async (outbox) => {
        const json = options.json === true;
        const first = takeUnread(outbox);
        if (options.watch !== true) {
          if (json) ctx.io.stdout(`${JSON.stringify({ notices: first })}\n`);
          else if (first.length === 0) ctx.io.stderr('No unread notices.\n');
          else ctx.io.stdout(first.map(formatNotice).join(''));
          return;
        }
        const print = (notices: readonly Notice[]) => {
          for (const notice of notices) ctx.io.stdout(json ? `${JSON.stringify(notice)}\n` : formatNotice(notice));
        };
        print(first);
        let stopped = false;
        const stop = ctx.untilStopped().then(() => {
          stopped = true;
        });
        while (!stopped) {
          await Promise.race([stop, new Promise((resolve) => setTimeout(resolve, WATCH_POLL_MS))]);
          print(takeUnread(outbox));
        }
      });
    });

  program
    .command('tell <message...>')
    .description('leave a message for WorkTrain, or steer a running session with --session')
    .option('--session <id>', 'steer this running session (its next LLM turn reads the message)')
    .option('--priority', 'mark the message as a priority')
    .option('--workspace <name>', 'the workspace (config.json workspaces) the message is about')
    .option('--port <port>', 'daemon port (with --session)')
    .action(
      async (words: string[], options: { session?: string; priority?: boolean; workspace?: string; port?: string }) => {
        const text = words.join(' ').trim();
        if (text === '') {
          ctx.io.stderr('The message is empty; say what WorkTrain should know.\n');
          ctx.setExitCode(WT_EXIT.usage);
          return;
        }
        if (options.session !== undefined) {
          const route = `/api/v2/sessions/${encodeURIComponent(options.session)}/steer`;
          const sent = await callDaemon(ctx, daemonClient(ctx.io, options.port), {
            method: 'POST',
            route,
            body: { text },
            refusal: `Cannot steer session ${options.session}`,
          });
          if (sent !== null) ctx.io.stdout(`Sent to session ${options.session}; its next LLM turn reads it.\n`);
          return;
        }
        await withOutbox(ctx.io, (outbox) => {
          const message = outbox.addMessage({
            ts: Date.now(),
            text,
            priority: options.priority === true,
            workspace: options.workspace ?? null,
          });
          ctx.io.stdout(`Message ${message.id} stored for WorkTrain.\n`);
        });
      },
    );
}

/** The unread notices; the cursor moves past them. */
function takeUnread(outbox: Outbox): Notice[] {
  const notices = outbox.unreadNotices();
  const last = notices.at(-1);
  if (last !== undefined) outbox.markNoticesRead(last.id);
  return notices;
}

async function withOutbox(io: CliIo, work: (outbox: Outbox) => unknown): Promise<void> {
  const loaded = loadEnvFile(path.join(workrailHomeOf(io.env), '.env'), io.env);
  const dataDir = loadConfig(loaded.env, { homeDir: os.homedir(), bundledDir: '' }).dataDir;
  const db = openDaemonDb(dataDir);
  try {
    await work(createOutbox(db, createRedactor(loaded.secrets)));
  } finally {
    db.close();
  }
}

/** `<ISO time>  <kind>  <text>`, later lines of the text indented. */
function formatNotice(notice: Notice): string {
  const [first, ...rest] = notice.text.split('\n');
  const more = rest.map((line) => `\n    ${line}`).join('');
  return `${new Date(notice.ts).toISOString()}  ${notice.kind}  ${first ?? ''}${more}\n`;
}
