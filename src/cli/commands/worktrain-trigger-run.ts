// `worktrain trigger run <id> [--goal] [--payload file] [--wait]` and its alias `worktrain run schedule <id>`
// (docs/worktrain.md §5.4, §10): run a trigger now through POST /api/v2/dispatch, with all its settings.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { type CommandIo, callDaemon, daemonClient, WT_EXIT } from './worktrain-client.js';
import { waitAndReport } from './worktrain-dispatch.js';

interface RunOptions {
  goal?: string;
  payload?: string;
  wait?: boolean;
  timeout: string;
  json?: boolean;
  port?: string;
}

/** Adds `run <id>` under `trigger`, and `run schedule <id>` at the top level. */
export function registerTriggerRun(program: Command, trigger: Command, ctx: CommandIo): void {
  const action = (id: string, options: RunOptions) => runTrigger(ctx, id, options);
  withOptions(trigger.command('run <id>').description('run a trigger now (its settings and delivery apply)')).action(
    action,
  );
  withOptions(
    program
      .command('run')
      .description('run something now')
      .command('schedule <id>')
      .description('run a schedule trigger now (same as trigger run)'),
  ).action(action);
}

function withOptions(command: Command): Command {
  return command
    .option('--goal <text>', 'goal for this run (overrides the trigger goal)')
    .option('--payload <file>', 'JSON object that fills goalTemplate and contextMapping')
    .option('--wait', 'wait for the session to end')
    .option('--timeout <duration>', 'how long --wait waits', '30m')
    .option('--json', 'print JSON')
    .option('--port <port>', 'daemon port');
}

async function runTrigger(ctx: CommandIo, id: string, options: RunOptions): Promise<void> {
  const payload = options.payload === undefined ? undefined : readPayload(ctx, options.payload);
  if (payload === null) return;
  const client = daemonClient(ctx.io, options.port);
  const data = await callDaemon<{ sessionId: string; state: string; queuePosition?: number }>(ctx, client, {
    method: 'POST',
    route: '/api/v2/dispatch',
    body: {
      triggerId: id,
      ...(options.goal === undefined ? {} : { goal: options.goal }),
      ...(payload === undefined ? {} : { payload }),
    },
    refusal: `trigger ${id} not run`,
  });
  if (data === null) return;
  if (options.wait !== true) {
    ctx.io.stdout(options.json === true ? `${JSON.stringify(data)}\n` : `${data.sessionId}\n`);
    return;
  }
  await waitAndReport(ctx, client, data.sessionId, options);
}

/** The JSON object in `file` (relative to the working directory), or null after saying why it cannot be used. */
export function readPayload(ctx: CommandIo, file: string): { [key: string]: unknown } | null {
  const resolved = path.resolve(ctx.io.cwd, file);
  let payload: unknown;
  try {
    payload = JSON.parse(readFileSync(resolved, 'utf8'));
  } catch (error) {
    ctx.io.stderr(`Cannot read the payload ${resolved}: ${error instanceof Error ? error.message : String(error)}\n`);
    ctx.setExitCode(WT_EXIT.failed);
    return null;
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    ctx.io.stderr(`The payload ${resolved} must hold a JSON object\n`);
    ctx.setExitCode(WT_EXIT.failed);
    return null;
  }
  return payload as { [key: string]: unknown };
}
