// `worktrain trigger validate|list|test|run|retry` (docs/worktrain.md §3.8, §7.2, §10): validation and dry runs without
// a daemon; list from the daemon, or from the file with --offline. Secrets are shown as written ($NAME), never resolved.
import path from 'node:path';
import type { Command } from 'commander';
import { createApp } from '../../app/index.js';
import { loadEnvFile } from '../../daemon/config/env-file.js';
import { formatFinding, hasErrors, summarizeFindings } from '../../daemon/config/findings.js';
import { loadTriggers, type TriggerConfig } from '../../daemon/config/load-triggers.js';
import type { Trigger } from '../../daemon/config/trigger.js';
import { workrailHomeOf } from '../../daemon/daemon.js';
import { dryRunSchedule, dryRunWebhook } from '../../daemon/dry-run.js';
import { retryLedgerItem } from '../../daemon/pollers/retry-item.js';
import type { CliIo } from '../io.js';
import { daemonClient, unreachable, WT_EXIT } from './worktrain-client.js';
import { readPayload, registerTriggerRun } from './worktrain-trigger-run.js';

interface Ctx {
  readonly io: CliIo;
  readonly setExitCode: (code: number) => void;
}

export function registerTrigger(program: Command, ctx: Ctx): void {
  const trigger = program.command('trigger').description('inspect and check triggers.yml');
  trigger
    .command('validate')
    .description('validate triggers.yml without starting the daemon')
    .option('--config <file>', 'triggers file')
    .option('--json', 'print JSON')
    .action((options: { config?: string; json?: boolean }) => {
      const config = loadFromDisk(ctx.io, options.config);
      if (options.json === true) {
        ctx.io.stdout(`${JSON.stringify({ triggers: config.triggers.map((t) => t.id), findings: config.findings })}\n`);
      } else {
        for (const finding of config.findings) ctx.io.stdout(`${formatFinding(finding)}\n`);
        ctx.io.stdout(`${config.triggers.length} trigger(s) valid; ${summarizeFindings(config.findings)}\n`);
      }
      ctx.setExitCode(hasErrors(config.findings) ? WT_EXIT.failed : WT_EXIT.ok);
    });
  trigger
    .command('list')
    .description('list the loaded triggers')
    .option('--config <file>', 'triggers file (with --offline)')
    .option('--offline', 'read the file instead of asking the daemon')
    .option('--json', 'print JSON')
    .option('--port <port>', 'daemon port')
    .action(async (options: { config?: string; offline?: boolean; json?: boolean; port?: string }) => {
      let rows: { id: string; provider: string; workflowId: string; workspacePath: string }[];
      if (options.offline === true) {
        const config = loadFromDisk(ctx.io, options.config);
        rows = config.triggers.map((t) => ({
          id: t.id,
          provider: t.provider,
          workflowId: t.workflowId,
          workspacePath: t.workspacePath,
        }));
      } else {
        const client = daemonClient(ctx.io, options.port);
        const answer = await client.request('GET', '/api/v2/triggers');
        if (answer === null) {
          ctx.setExitCode(unreachable(ctx.io, client));
          return;
        }
        rows = ((answer.json.data as { triggers: typeof rows }) ?? { triggers: [] }).triggers;
      }
      if (options.json === true) {
        ctx.io.stdout(`${JSON.stringify({ triggers: rows })}\n`);
        return;
      }
      if (rows.length === 0) ctx.io.stdout('No triggers.\n');
      for (const row of rows) ctx.io.stdout(`${row.id}  ${row.provider}  ${row.workflowId}  ${row.workspacePath}\n`);
    });
  trigger
    .command('test <id>')
    .description('dry run: a webhook payload (condition, goal, workflow, workspace) or the next times of a schedule')
    .option('--payload <file>', 'JSON payload file (default: {})')
    .option('--config <file>', 'triggers file')
    .option('--json', 'print JSON')
    .action((id: string, options: { payload?: string; config?: string; json?: boolean }) => {
      const config = loadFromDisk(ctx.io, options.config);
      if (hasErrors(config.findings)) {
        for (const finding of config.findings) ctx.io.stderr(`${formatFinding(finding)}\n`);
        ctx.io.stderr(`${path.basename(config.file)} has errors; fix them first (worktrain trigger validate)\n`);
        ctx.setExitCode(WT_EXIT.failed);
        return;
      }
      const found = config.triggers.find((t) => t.id === id);
      if (found === undefined) {
        const known = config.triggers.map((t) => t.id).join(', ');
        ctx.io.stderr(`Unknown trigger: ${id} (${known === '' ? 'no triggers defined' : `known: ${known}`})\n`);
        ctx.setExitCode(WT_EXIT.failed);
        return;
      }
      if (found.provider === 'schedule') {
        testSchedule(ctx, found, options.json === true);
        return;
      }
      if (found.provider !== 'generic') {
        ctx.io.stderr(
          `Trigger ${id} (${found.provider}) is not a webhook trigger; trigger test dry-runs generic (webhook) triggers\n`,
        );
        ctx.setExitCode(WT_EXIT.failed);
        return;
      }
      const payload = options.payload === undefined ? {} : readPayload(ctx, options.payload);
      if (payload === null) return;
      const result = dryRunWebhook(found, payload);
      if (options.json === true) {
        ctx.io.stdout(`${JSON.stringify(result)}\n`);
        return;
      }
      const lines = [
        `Trigger ${id}: dry run, nothing dispatched.`,
        `Signature: ${found.hmacSecret === undefined ? 'none required' : 'required (not checked by the dry run)'}`,
      ];
      if (result.conditions.length === 0) lines.push('dispatchCondition: none');
      else {
        lines.push(`dispatchCondition: ${result.conditionHolds}`);
        for (const c of result.conditions)
          lines.push(`  ${c.payloadPath} = ${JSON.stringify(c.value) ?? 'missing'} ${c.expected}: ${c.holds}`);
      }
      lines.push(`Result: ${result.summary}`);
      if (result.goal !== null) lines.push(`Goal: ${result.goal}`);
      lines.push(`Workflow: ${result.workflowId}`, `Workspace: ${result.workspacePath}`);
      if (result.dedupeKey !== null) lines.push(`Dedupe key: ${result.dedupeKey}`);
      if (result.context !== null) {
        const { payload: _payload, ...rest } = result.context;
        lines.push(`Context: ${JSON.stringify(rest)}${_payload === undefined ? '' : ' (+ payload)'}`);
      }
      ctx.io.stdout(`${lines.join('\n')}\n`);
    });
  registerTriggerRun(program, trigger, ctx);
  trigger
    .command('retry <id> <itemKey>')
    .description('put a polled item back to new with 0 attempts (after needs_human, killed or delivery_failed)')
    .action((id: string, itemKey: string) => {
      const app = createApp({ env: loadEnvFile(path.join(workrailHomeOf(ctx.io.env), '.env'), ctx.io.env).env });
      const where = { dataDir: app.config.dataDir, databaseUrl: app.config.databaseUrl };
      app.close();
      const result = retryLedgerItem(where, id, itemKey, Date.now());
      if (!result.ok) {
        ctx.io.stderr(`No item ${itemKey} for trigger ${id}. Known: ${result.known.join(', ') || 'none'}\n`);
        ctx.setExitCode(WT_EXIT.failed);
        return;
      }
      ctx.io.stdout(
        `${itemKey}: ${result.previous.state} (${result.previous.attempts} attempts) -> new (0 attempts)\n`,
      );
    });
}

/** `trigger test` of a schedule: its next 5 fire times in the trigger's zone and in UTC. */
function testSchedule(ctx: Ctx, trigger: Trigger, json: boolean): void {
  const result = dryRunSchedule(trigger, new Date());
  if ('error' in result) {
    ctx.io.stderr(`Trigger ${trigger.id}: ${result.error}\n`);
    ctx.setExitCode(WT_EXIT.failed);
    return;
  }
  if (json) {
    ctx.io.stdout(`${JSON.stringify(result)}\n`);
    return;
  }
  const lines = [
    `Trigger ${trigger.id}: schedule "${result.cron}" in ${result.timezone}; dry run, nothing dispatched.`,
    `Next ${result.next.length} times:`,
    ...result.next.map((time) => `  ${time.local}  (${time.utc})`),
  ];
  ctx.io.stdout(`${lines.join('\n')}\n`);
}

function loadFromDisk(io: CliIo, file: string | undefined): TriggerConfig {
  const home = workrailHomeOf(io.env);
  const env = loadEnvFile(path.join(home, '.env'), io.env).env;
  const app = createApp({ env });
  try {
    return loadTriggers(path.resolve(io.cwd, file ?? path.join(home, 'triggers.yml')), {
      env,
      ...(env.WORKRAIL_DEFAULT_WORKSPACE === undefined ? {} : { defaultWorkspace: env.WORKRAIL_DEFAULT_WORKSPACE }),
      workflowExists: (id, ws) => app.sources.list(ws).entries.some((entry) => entry.id === id),
    });
  } finally {
    app.close();
  }
}
