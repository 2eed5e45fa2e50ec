// `worktrain dispatch --workflow ID --goal TEXT [--workspace DIR] [--wait]` (docs/worktrain.md §10): POST
// /api/v2/dispatch, print the session id; --wait follows the session and exits 0 (success), 1 (other outcome) or 3.
import path from 'node:path';
import type { Command } from 'commander';
import { type CommandIo, callDaemon, type DaemonClient, daemonClient, WT_EXIT } from './worktrain-client.js';

interface DispatchOptions {
  workflow?: string;
  goal?: string;
  workspace?: string;
  trigger?: string;
  context?: string;
  wait?: boolean;
  timeout: string;
  json?: boolean;
  port?: string;
}

export function registerDispatch(program: Command, ctx: CommandIo): void {
  program
    .command('dispatch [goal]')
    .description('run a workflow (or a trigger) now through the daemon')
    .option('--workflow <id>', 'workflow id')
    .option('--goal <text>', 'one sentence of intent')
    .option('--workspace <path>', 'workspace (default: current directory)')
    .option('--trigger <id>', 'run this trigger instead of an ad-hoc workflow')
    .option('--context <json>', 'extra context object')
    .option('--wait', 'wait for the session to end')
    .option('--timeout <duration>', 'how long --wait waits', '30m')
    .option('--json', 'print JSON')
    .option('--port <port>', 'daemon port')
    .action(async (positional: string | undefined, options: DispatchOptions) => {
      const goal = options.goal ?? positional;
      let context: unknown;
      try {
        context = options.context === undefined ? undefined : JSON.parse(options.context);
      } catch {
        ctx.io.stderr('--context must be a JSON object\n');
        ctx.setExitCode(WT_EXIT.usage);
        return;
      }
      const body =
        options.trigger !== undefined
          ? {
              triggerId: options.trigger,
              ...(goal === undefined ? {} : { goal }),
              ...(context === undefined ? {} : { context }),
            }
          : {
              workflowId: options.workflow,
              goal,
              workspacePath: path.resolve(ctx.io.cwd, options.workspace ?? '.'),
              ...(context === undefined ? {} : { context }),
            };
      if (options.trigger === undefined && (options.workflow === undefined || goal === undefined)) {
        ctx.io.stderr('dispatch needs --workflow <id> and --goal <text> (or --trigger <id>)\n');
        ctx.setExitCode(WT_EXIT.usage);
        return;
      }
      const client = daemonClient(ctx.io, options.port);
      const data = await callDaemon<{ sessionId: string }>(ctx, client, {
        method: 'POST',
        route: '/api/v2/dispatch',
        body,
        refusal: 'dispatch refused',
      });
      if (data === null) return;
      const sessionId = String(data.sessionId);
      if (options.wait !== true) {
        ctx.io.stdout(options.json === true ? `${JSON.stringify(data)}\n` : `${sessionId}\n`);
        return;
      }
      await waitAndReport(ctx, client, sessionId, options);
    });
}

/** `--wait`: follows the session until it ends (or the timeout), prints it, and sets the exit code by outcome. */
export async function waitAndReport(
  ctx: CommandIo,
  client: DaemonClient,
  sessionId: string,
  options: { readonly timeout: string; readonly json?: boolean },
): Promise<void> {
  ctx.io.stderr(`Session ${sessionId} queued; waiting…\n`);
  const final = await followSession(client, sessionId, parseDuration(options.timeout));
  if (final === null) {
    ctx.io.stdout(
      options.json === true ? `${JSON.stringify({ sessionId, outcome: 'pending' })}\n` : `${sessionId} still running\n`,
    );
    ctx.setExitCode(WT_EXIT.timeout);
    return;
  }
  ctx.io.stdout(
    options.json === true
      ? `${JSON.stringify(final)}\n`
      : `${sessionId} ${String(final.outcome)}${final.detail === null ? '' : ` (${String(final.detail)})`}\n`,
  );
  ctx.setExitCode(final.outcome === 'success' ? WT_EXIT.ok : WT_EXIT.failed);
}

/** The session record once it has ended, or null at the timeout. */
async function followSession(
  client: DaemonClient,
  sessionId: string,
  timeoutMs: number,
): Promise<Record<string, unknown> | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const answer = await client.request('GET', `/api/v2/sessions/${sessionId}`);
    const session = answer?.json.data as Record<string, unknown> | undefined;
    if (session !== undefined && ['completed', 'interrupted', 'delivery_failed'].includes(String(session.state))) {
      return session;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return null;
}

/** `<n>s|m|h|d` in ms. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([smhd])$/.exec(text.trim());
  if (match === null) return 30 * 60_000;
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
