// `worktrain kill-sessions [--trigger ID] [--yes]` (docs/worktrain.md §7.6, §10): the kill switch through the daemon
// API. Kills running sessions, drops queued ones and pauses dispatch until `worktrain daemon unpause`.
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { callDaemon, daemonClient, WT_EXIT } from './worktrain-client.js';

interface Ctx {
  readonly io: CliIo;
  readonly setExitCode: (code: number) => void;
}

interface KillSwitchAnswer {
  killed: string[];
  dropped: string[];
  paused: string;
}

export function registerKillSessions(program: Command, ctx: Ctx): void {
  program
    .command('kill-sessions')
    .description('kill switch: kill every running session, drop queued ones and pause dispatch')
    .option('--trigger <id>', 'only this trigger')
    .option('--reason <text>', 'recorded with the kill')
    .option('--yes', 'do not ask for confirmation')
    .option('--json', 'print JSON')
    .option('--port <port>', 'daemon port')
    .action(async (options: { trigger?: string; reason?: string; yes?: boolean; json?: boolean; port?: string }) => {
      const scope = options.trigger === undefined ? 'every session' : `every session of trigger ${options.trigger}`;
      if (options.yes !== true) {
        if (!process.stdin.isTTY) {
          ctx.io.stderr(`kill-sessions kills ${scope} and pauses dispatch; pass --yes to confirm\n`);
          ctx.setExitCode(WT_EXIT.usage);
          return;
        }
        const prompt = createInterface({ input: process.stdin, output: process.stderr });
        const answer = await prompt.question(`Kill ${scope} and pause dispatch? [y/N] `);
        prompt.close();
        if (!/^y(es)?$/i.test(answer.trim())) {
          ctx.io.stderr('Nothing killed.\n');
          ctx.setExitCode(WT_EXIT.failed);
          return;
        }
      }
      const client = daemonClient(ctx.io, options.port);
      const data = await callDaemon<KillSwitchAnswer>(ctx, client, {
        method: 'POST',
        route: '/api/v2/kill-switch',
        body: {
          ...(options.trigger === undefined ? {} : { triggerId: options.trigger }),
          ...(options.reason === undefined ? {} : { reason: options.reason }),
        },
      });
      if (data === null) return;
      if (options.json === true) {
        ctx.io.stdout(`${JSON.stringify(data)}\n`);
        return;
      }
      const lines = [
        `Killed ${data.killed.length} running session(s), dropped ${data.dropped.length} queued.`,
        ...[...data.killed, ...data.dropped].map((id) => `  ${id}`),
        `Dispatch paused (${data.paused === 'all' ? 'all triggers' : `trigger ${data.paused}`}). Resume with: worktrain daemon unpause${data.paused === 'all' ? '' : ` --trigger ${data.paused}`}`,
      ];
      ctx.io.stdout(`${lines.join('\n')}\n`);
    });
}
