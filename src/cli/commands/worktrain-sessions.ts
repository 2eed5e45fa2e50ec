// `worktrain sessions list | show | kill | resume | deliver` (docs/worktrain.md §10): daemon sessions through the
// daemon API. `resume` is a gate verdict (`--approve`, `--reject`) or a forced resume; `deliver` retries delivery.
import type { Command } from 'commander';
import { table } from '../format.js';
import type { CliIo } from '../io.js';
import { callDaemon, daemonClient } from './worktrain-client.js';

interface Ctx {
  readonly io: CliIo;
  readonly setExitCode: (code: number) => void;
}

interface SessionRecord {
  sessionId: string;
  workrailSessionId: string | null;
  triggerId: string;
  workflowId: string;
  goal: string;
  state: string;
  outcome: string | null;
  detail: string | null;
  queuedAt: string;
  startedAt: string | null;
  endedAt: string | null;
  turns: number;
  stepAdvances: number;
  resumeCount: number;
  worktreePath: string | null;
  branch: string | null;
  delivery: { status: string; stage: string | null; prUrl: string | null; commitShas: string[]; error: string | null };
}

export function registerSessions(program: Command, ctx: Ctx): void {
  const sessions = program.command('sessions').description('daemon sessions');

  sessions
    .command('list')
    .description('daemon sessions, live ones first')
    .option('--state <state>', 'only this state')
    .option('--trigger <id>', 'only this trigger')
    .option('--limit <n>', 'at most this many', '20')
    .option('--json', 'print JSON')
    .option('--port <port>', 'daemon port')
    .action(async (options: { state?: string; trigger?: string; limit: string; json?: boolean; port?: string }) => {
      const query = new URLSearchParams({ limit: options.limit });
      if (options.state !== undefined) query.set('state', options.state);
      if (options.trigger !== undefined) query.set('triggerId', options.trigger);
      const data = await callDaemon<{ sessions: SessionRecord[] }>(ctx, daemonClient(ctx.io, options.port), {
        method: 'GET',
        route: `/api/v2/sessions?${query}`,
      });
      if (data === null) return;
      if (options.json === true) {
        ctx.io.stdout(`${JSON.stringify(data.sessions)}\n`);
        return;
      }
      if (data.sessions.length === 0) {
        ctx.io.stdout('No daemon sessions.\n');
        return;
      }
      const rows = data.sessions.map((s) => [
        s.sessionId,
        s.triggerId,
        s.workflowId,
        s.state,
        s.outcome ?? '-',
        s.delivery.status === 'none' ? '-' : s.delivery.status,
        String(s.turns),
      ]);
      ctx.io.stdout(
        `${table([['SESSION', 'TRIGGER', 'WORKFLOW', 'STATE', 'OUTCOME', 'DELIVERY', 'TURNS'], ...rows]).join('\n')}\n`,
      );
    });

  sessions
    .command('show <id>')
    .description('one session: record, worktree and delivery')
    .option('--json', 'print JSON')
    .option('--port <port>', 'daemon port')
    .action(async (id: string, options: { json?: boolean; port?: string }) => {
      const s = await callDaemon<SessionRecord>(ctx, daemonClient(ctx.io, options.port), {
        method: 'GET',
        route: `/api/v2/sessions/${encodeURIComponent(id)}`,
      });
      if (s === null) return;
      if (options.json === true) {
        ctx.io.stdout(`${JSON.stringify(s)}\n`);
        return;
      }
      const lines = [
        `Session ${s.sessionId} (${s.workrailSessionId ?? 'no workrail session yet'})`,
        `  Trigger ${s.triggerId}, workflow ${s.workflowId}`,
        `  Goal: ${s.goal}`,
        `  State: ${s.state}${s.outcome === null ? '' : `, outcome ${s.outcome}`}${s.detail === null ? '' : ` (${s.detail})`}`,
        `  ${s.turns} turns, ${s.stepAdvances} step advances, ${s.resumeCount} resumes`,
      ];
      if (s.worktreePath !== null)
        lines.push(`  Worktree: ${s.worktreePath}${s.branch === null ? '' : ` on ${s.branch}`}`);
      if (s.delivery.status !== 'none') {
        lines.push(
          `  Delivery: ${s.delivery.status}${s.delivery.stage === null ? '' : ` at ${s.delivery.stage}`}` +
            `${s.delivery.error === null ? '' : `: ${s.delivery.error}`}`,
        );
        if (s.delivery.prUrl !== null) lines.push(`  PR: ${s.delivery.prUrl}`);
        if (s.delivery.commitShas.length > 0) lines.push(`  Commits: ${s.delivery.commitShas.join(', ')}`);
      }
      if (s.state === 'delivery_failed') lines.push(`  Retry with: worktrain sessions deliver ${s.sessionId}`);
      ctx.io.stdout(`${lines.join('\n')}\n`);
    });

  sessions
    .command('kill <id>')
    .description('kill one session')
    .option('--reason <text>', 'why')
    .option('--port <port>', 'daemon port')
    .action(async (id: string, options: { reason?: string; port?: string }) => {
      const data = await callDaemon<{ sessionId: string; previousState: string }>(
        ctx,
        daemonClient(ctx.io, options.port),
        {
          method: 'POST',
          route: `/api/v2/sessions/${encodeURIComponent(id)}/kill`,
          body: options.reason === undefined ? {} : { reason: options.reason },
        },
      );
      if (data === null) return;
      ctx.io.stdout(`Killed ${data.sessionId} (was ${data.previousState})\n`);
    });

  sessions
    .command('resume <id>')
    .description('approve or reject a parked gate, or force-resume a discarded session')
    .option('--approve', 'approve the gate the session is parked at')
    .option('--reject <reason>', 'reject the gate; the session ends with error')
    .option('--port <port>', 'daemon port')
    .action(async (id: string, options: { approve?: boolean; reject?: string; port?: string }) => {
      const body = options.reject !== undefined ? { reject: options.reject } : options.approve ? { approve: true } : {};
      const data = await callDaemon<{ sessionId: string; previousState: string; state: string }>(
        ctx,
        daemonClient(ctx.io, options.port),
        { method: 'POST', route: `/api/v2/sessions/${encodeURIComponent(id)}/resume`, body, refusal: 'Not resumed' },
      );
      if (data === null) return;
      const verb = options.reject !== undefined ? 'Rejected the gate of' : options.approve ? 'Approved' : 'Resumed';
      ctx.io.stdout(`${verb} ${data.sessionId} (was ${data.previousState}, now ${data.state})\n`);
    });

  sessions
    .command('deliver <id>')
    .description('retry delivery of a delivery_failed session from the failed stage')
    .option('--port <port>', 'daemon port')
    .action(async (id: string, options: { port?: string }) => {
      const data = await callDaemon<{ sessionId: string }>(ctx, daemonClient(ctx.io, options.port), {
        method: 'POST',
        route: `/api/v2/sessions/${encodeURIComponent(id)}/deliver`,
        refusal: 'Not delivered',
      });
      if (data === null) return;
      ctx.io.stdout(
        `Delivery of ${data.sessionId} queued; follow it with: worktrain logs --session ${data.sessionId}\n`,
      );
    });
}
