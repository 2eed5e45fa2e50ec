// `worktrain worktree list|clean` (docs/worktrain.md §10): WorkTrain's worktrees with their git facts and session
// state (from the daemon when it answers, else from daemon.db), and a clean that is a dry run unless --yes.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../app/index.js';
import { workrailHomeOf } from '../../daemon/daemon.js';
import { openDaemonDb } from '../../daemon/state/daemon-db.js';
import { createSidecarStore } from '../../daemon/state/sidecars.js';
import {
  listWorktrees,
  planClean,
  removeWorktree,
  type SessionStateLookup,
  type WorktreeEntry,
} from '../../daemon/worktree-inventory.js';
import { table } from '../format.js';
import type { CliIo } from '../io.js';
import { type CommandIo, daemonClient, WT_EXIT } from './worktrain-client.js';
import { parseDuration } from './worktrain-dispatch.js';

export function registerWorktree(program: Command, ctx: CommandIo): void {
  const worktree = program.command('worktree').description("list and clean WorkTrain's worktrees");
  worktree
    .command('list')
    .description('worktrees under ~/.workrail/worktrees: branch, session, state, age, dirty, pushed, merged, orphan')
    .option('--json', 'print JSON')
    .option('--port <port>', 'daemon port')
    .action(async (options: { json?: boolean; port?: string }) => {
      const entries = await inventory(ctx.io, options.port);
      if (options.json === true) {
        ctx.io.stdout(`${JSON.stringify({ worktrees: entries.map(toJson) })}\n`);
        return;
      }
      if (entries.length === 0) {
        ctx.io.stdout('No WorkTrain worktrees.\n');
        return;
      }
      const yesNo = (value: boolean) => (value ? 'yes' : 'no');
      const rows = entries.map((e) => [
        e.sessionId.slice(0, 8),
        e.branch ?? '-',
        e.state,
        formatAge(e.ageMs),
        yesNo(e.dirty),
        yesNo(e.pushed),
        yesNo(e.merged),
        e.orphan ? `yes (${e.orphanReason})` : 'no',
        e.path,
      ]);
      const header = ['SESSION', 'BRANCH', 'STATE', 'AGE', 'DIRTY', 'PUSHED', 'MERGED', 'ORPHAN', 'PATH'];
      ctx.io.stdout(`${table([header, ...rows]).join('\n')}\n`);
    });
  worktree
    .command('clean')
    .description('remove worktrees (dry run unless --yes); live sessions are never touched')
    .option('--merged', 'only worktrees whose HEAD is merged into the base branch')
    .option('--older-than <duration>', 'only worktrees unchanged for this long (e.g. 7d)')
    .option('--yes', 'really remove (otherwise print what would be removed)')
    .option('--force', 'also remove dirty and delivery_failed worktrees')
    .option('--json', 'print JSON')
    .option('--port <port>', 'daemon port')
    .action(
      async (options: {
        merged?: boolean;
        olderThan?: string;
        yes?: boolean;
        force?: boolean;
        json?: boolean;
        port?: string;
      }) => {
        if (options.olderThan !== undefined && !/^\d+(\.\d+)?[smhd]$/.test(options.olderThan.trim())) {
          ctx.io.stderr(`--older-than takes <n>s|m|h|d (e.g. 7d), got ${options.olderThan}\n`);
          ctx.setExitCode(WT_EXIT.usage);
          return;
        }
        const home = workrailHomeOf(ctx.io.env);
        const plan = planClean(await inventory(ctx.io, options.port), {
          ...(options.merged === true ? { merged: true } : {}),
          ...(options.olderThan === undefined ? {} : { olderThanMs: parseDuration(options.olderThan) }),
          ...(options.force === true ? { force: true } : {}),
        });
        const removed: string[] = [];
        const failed: { path: string; error: string }[] = [];
        if (options.yes === true) {
          for (const entry of plan.remove) {
            const result = removeWorktree(home, entry, options.force === true);
            if (result.ok) removed.push(entry.path);
            else failed.push({ path: entry.path, error: result.error });
          }
        }
        if (failed.length > 0) ctx.setExitCode(WT_EXIT.failed);
        const kept = plan.keep.map((k) => ({ path: k.entry.path, reason: k.reason }));
        if (options.json === true) {
          const wouldRemove = options.yes === true ? [] : plan.remove.map((e) => e.path);
          ctx.io.stdout(`${JSON.stringify({ dryRun: options.yes !== true, removed, wouldRemove, kept, failed })}\n`);
          return;
        }
        const lines: string[] = [];
        for (const entry of plan.remove) {
          if (options.yes !== true) lines.push(`would remove ${entry.path}`);
        }
        for (const p of removed) lines.push(`removed ${p}`);
        for (const f of failed) lines.push(`failed ${f.path}: ${f.error}`);
        for (const k of kept) lines.push(`kept ${k.path}: ${k.reason}`);
        if (lines.length === 0) lines.push('No WorkTrain worktrees.');
        if (options.yes !== true && plan.remove.length > 0)
          lines.push('Dry run: nothing removed; add --yes to remove.');
        ctx.io.stdout(`${lines.join('\n')}\n`);
      },
    );
}

/** The worktrees with their session state: the daemon when it answers, else daemon.db, else `unknown`. */
async function inventory(io: CliIo, port: string | undefined): Promise<WorktreeEntry[]> {
  const home = workrailHomeOf(io.env);
  const client = daemonClient(io, port);
  const reachable = (await client.request('GET', '/api/v2/status')) !== null;
  const stored = reachable ? null : storedStates(io);
  const stateOf: SessionStateLookup = async (sessionId) => {
    if (stored !== null) return stored.get(sessionId) ?? null;
    if (!reachable) return 'unknown';
    const answer = await client.request('GET', `/api/v2/sessions/${encodeURIComponent(sessionId)}`);
    if (answer === null) return 'unknown';
    const data = answer.json.data as { state?: unknown } | undefined;
    return answer.status === 200 && typeof data?.state === 'string' ? data.state : null;
  };
  return listWorktrees(home, stateOf, Date.now());
}

/** Session states recorded in daemon.db, or null when there is no database to read. */
function storedStates(io: CliIo): Map<string, string> | null {
  const { dataDir } = loadConfig(io.env, { homeDir: os.homedir(), bundledDir: '' });
  if (!existsSync(path.join(dataDir, 'daemon.db'))) return null;
  const db = openDaemonDb(dataDir);
  try {
    return new Map(
      createSidecarStore(db)
        .loadAll()
        .map(({ session }) => [session.sessionId, session.state]),
    );
  } finally {
    db.close();
  }
}

function toJson(entry: WorktreeEntry) {
  return { ...entry, age: formatAge(entry.ageMs) };
}

function formatAge(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours}h` : `${Math.floor(hours / 24)}d`;
}
