// `worktrain status` (docs/worktrain.md §10): running, queued, parked sessions, delivery failures and recent
// completions, from the daemon API. The `sessions` commands live in worktrain-sessions.ts.
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { daemonClient, unreachable } from './worktrain-client.js';

interface Ctx {
  readonly io: CliIo;
  readonly setExitCode: (code: number) => void;
}

interface SessionRow {
  sessionId: string;
  triggerId: string;
  workflowId: string;
  state: string;
  outcome: string | null;
  detail: string | null;
  turns: number;
  currentStepId: string | null;
  startedAt: string | null;
  tokens: { input: number; output: number };
  worktreePath: string | null;
  delivery: { status: string; stage: string | null; error: string | null; prUrl: string | null };
}

export function registerStatus(program: Command, ctx: Ctx): void {
  program
    .command('status')
    .description('running, queued and recent sessions')
    .option('--json', 'print JSON')
    .option('--port <port>', 'daemon port')
    .action(async (options: { json?: boolean; port?: string }) => {
      const client = daemonClient(ctx.io, options.port);
      const status = await client.request('GET', '/api/v2/status');
      const sessions = await client.request('GET', '/api/v2/sessions?limit=100');
      if (status === null || sessions === null) {
        ctx.setExitCode(unreachable(ctx.io, client));
        return;
      }
      const rows = (sessions.json.data as { sessions: SessionRow[] }).sessions;
      if (options.json === true) {
        ctx.io.stdout(`${JSON.stringify({ daemon: status.json.data, sessions: rows })}\n`);
        return;
      }
      const daemon = status.json.data as { version: string; uptimeMs: number; running: number; queued: number };
      const out = [
        `Daemon up (version ${daemon.version}, ${Math.round(daemon.uptimeMs / 1000)}s): ${daemon.running} running, ${daemon.queued} queued.`,
      ];
      const running = rows.filter((r) => ['preparing', 'running', 'delivering'].includes(r.state));
      const queued = rows.filter((r) => r.state === 'queued');
      const parked = rows.filter((r) => r.state === 'parked');
      const failedDelivery = rows.filter((r) => r.state === 'delivery_failed');
      const done = rows.filter((r) => r.state === 'completed').slice(0, 10);
      if (running.length > 0)
        out.push(
          'Running:',
          ...running.map(
            (r) =>
              `  ${r.sessionId} ${r.triggerId} ${r.workflowId} step ${r.currentStepId ?? '-'}, ${r.turns} turns, ${r.tokens.input + r.tokens.output} tokens`,
          ),
        );
      if (queued.length > 0)
        out.push('Queued:', ...queued.map((r) => `  ${r.sessionId} ${r.triggerId} ${r.workflowId}`));
      if (parked.length > 0)
        out.push(
          'Parked:',
          ...parked.map((r) => `  ${r.sessionId} ${r.triggerId} ${r.workflowId} at ${r.currentStepId ?? '-'}`),
        );
      if (failedDelivery.length > 0)
        out.push(
          'Delivery failures:',
          ...failedDelivery.map(
            (r) =>
              `  ${r.sessionId} ${r.workflowId} at ${r.delivery.stage ?? '-'}: ${r.delivery.error ?? ''} (worktree ${r.worktreePath ?? '-'}; retry: worktrain sessions deliver ${r.sessionId})`,
          ),
        );
      if (done.length > 0)
        out.push(
          'Recent:',
          ...done.map(
            (r) =>
              `  ${r.sessionId} ${r.workflowId} ${r.outcome ?? ''}${r.detail === null ? '' : ` (${r.detail})`}${r.delivery.prUrl === null ? '' : ` ${r.delivery.prUrl}`}`,
          ),
        );
      ctx.io.stdout(`${out.join('\n')}\n`);
    });
}
