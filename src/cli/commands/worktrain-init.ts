// `worktrain init` (docs/worktrain.md §10): writes a starter triggers.yml, .env placeholders (mode 0600) and the
// soul file under ~/.workrail; never overwrites; --print writes the triggers file to stdout instead.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { workrailHomeOf } from '../../daemon/daemon.js';
import { DEFAULTS } from '../../daemon/defaults.js';
import { BUILT_IN_SOUL } from '../../daemon/system-prompt.js';
import type { CliIo } from '../io.js';
import { WT_EXIT } from './worktrain-client.js';

interface Ctx {
  readonly io: CliIo;
  readonly setExitCode: (code: number) => void;
}

export function starterTriggers(workspace: string): string {
  return `# WorkTrain triggers (docs/worktrain.md §3). Validate with: worktrain trigger validate
triggers:
  - id: coding-task
    provider: generic
    workflowId: wr.coding-task
    workspacePath: ${workspace}
    goalTemplate: "{{$.goal}}"
    hmacSecret: $WORKTRAIN_WEBHOOK_SECRET
    concurrency: ${DEFAULTS.concurrency}
    maxQueueDepth: ${DEFAULTS.maxQueueDepth}
    agentConfig:
      maxSessionMinutes: ${DEFAULTS.maxSessionMinutes}
      maxTurns: ${DEFAULTS.maxTurns}
      stallTimeoutSeconds: ${DEFAULTS.stallTimeoutSeconds}
`;
}

const ENV_TEMPLATE = `# Secrets for WorkTrain (never commit this file).
# ANTHROPIC_API_KEY=
# OPENAI_API_KEY=
# WORKTRAIN_WEBHOOK_SECRET=
`;

export function registerInit(program: Command, ctx: Ctx): void {
  program
    .command('init')
    .description('write a starter triggers.yml, .env and daemon-soul.md (never overwrites)')
    .option('--workspace <path>', 'workspace of the starter trigger (default: current directory)')
    .option('--print', 'print the triggers file instead of writing')
    .option('--yes', 'do not ask')
    .action((options: { workspace?: string; print?: boolean; yes?: boolean }) => {
      const workspace = path.resolve(ctx.io.cwd, options.workspace ?? '.');
      const triggers = starterTriggers(workspace);
      if (options.print === true) {
        ctx.io.stdout(triggers);
        return;
      }
      if (options.yes !== true && !process.stdin.isTTY) {
        ctx.io.stderr('worktrain init writes files under ~/.workrail; pass --yes to confirm (or --print)\n');
        ctx.setExitCode(WT_EXIT.usage);
        return;
      }
      const home = workrailHomeOf(ctx.io.env);
      mkdirSync(home, { recursive: true });
      const files: [string, string, number][] = [
        ['triggers.yml', triggers, 0o644],
        ['.env', ENV_TEMPLATE, 0o600],
        ['daemon-soul.md', `${BUILT_IN_SOUL}\n`, 0o644],
      ];
      for (const [name, content, mode] of files) {
        const file = path.join(home, name);
        if (existsSync(file)) {
          ctx.io.stdout(`kept ${file} (already exists)\n`);
          continue;
        }
        writeFileSync(file, content, { mode });
        ctx.io.stdout(`wrote ${file}\n`);
      }
      ctx.io.stdout(
        `Try it:\n  BODY='{"goal":"Describe the repository"}'\n  curl -X POST http://${DEFAULTS.host}:${DEFAULTS.port}/webhook/coding-task -H 'content-type: application/json' \\\n    -H "X-WorkRail-Signature: sha256=$(printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$WORKTRAIN_WEBHOOK_SECRET" -hex | sed 's/^.* //')" -d "$BODY"\n`,
      );
    });
}
