// `worktrain trigger validate|list` (docs/worktrain.md §3.8, §10): validation without a daemon; list from the
// daemon, or from the file with --offline. Secrets are shown as written ($NAME), never resolved.
import path from 'node:path';
import type { Command } from 'commander';
import { createApp } from '../../app/index.js';
import { loadEnvFile } from '../../daemon/config/env-file.js';
import { formatFinding, hasErrors, summarizeFindings } from '../../daemon/config/findings.js';
import { loadTriggers, type TriggerConfig } from '../../daemon/config/load-triggers.js';
import { workrailHomeOf } from '../../daemon/daemon.js';
import type { CliIo } from '../io.js';
import { daemonClient, unreachable, WT_EXIT } from './worktrain-client.js';

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
