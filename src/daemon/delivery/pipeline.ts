// The delivery pipeline (docs/worktrain.md §8.3): after a successful `worktree` session, commit the agent's change,
// push it and open the PR/MR. Each stage reports through `onStage` so the caller persists the progress; calling
// again with that progress resumes at the first stage not yet completed (`worktrain sessions deliver <id>`).
import { existsSync } from 'node:fs';
import type { JsonObject } from '../../workflow/types.js';
import type { Trigger } from '../config/trigger.js';
import type { Logger } from '../logger.js';
import { createRedactor } from '../redact.js';
import { commitStaged, type GitIdentity } from './commit.js';
import { openPullRequest, resolveForge } from './forge.js';
import { git } from './git.js';
import { type Handoff, parseHandoff } from './handoff.js';
import { buildPrBody, findPrTemplate } from './pr-body.js';
import { formatFindings, scanStaged } from './secret-scan.js';
import { stageFiles } from './staging.js';
import { removeWorktree } from './worktree-setup.js';

export const DELIVERY_STAGES = [
  'parse_handoff',
  'secret_scan',
  'commit',
  'push',
  'open_pr',
  'record',
  'cleanup',
  'delete_sidecar',
] as const;
export type DeliveryStage = (typeof DELIVERY_STAGES)[number];

/** JSON-serialisable: stored in the session sidecar so a restart resumes. */
export interface DeliveryProgress {
  readonly status: 'pending' | 'completed' | 'skipped' | 'failed';
  readonly completedStages: readonly DeliveryStage[];
  readonly failedStage: DeliveryStage | null;
  readonly error: string | null;
  readonly commitShas: readonly string[];
  readonly prUrl: string | null;
  readonly warnings: readonly string[];
}

export interface DeliveryInput {
  readonly sessionId: string;
  readonly triggerId: string;
  readonly workflowId: string;
  readonly trigger: Pick<
    Trigger,
    'autoCommit' | 'autoPush' | 'autoOpenPR' | 'secretScan' | 'prTemplate' | 'prTitlePrefix' | 'forge'
  >;
  readonly workspacePath: string;
  readonly worktreePath: string;
  readonly branch: string;
  readonly baseBranch: string;
  /** The handoff source (§8.2): the final `complete_step` notes and artifacts. */
  readonly finalNotes: string | null;
  readonly artifacts: readonly unknown[];
  /** `itemNumber` marks an issue-sourced session (`Closes #<n>`); `baseUrl` of a gitlab_poll source. */
  readonly context: JsonObject;
  /** Exact values the daemon holds: scanned for, and never printed. */
  readonly secrets: readonly string[];
  readonly env: { readonly [k: string]: string | undefined };
  readonly gitIdentity: GitIdentity;
  /** Already bound to the session (`component: 'delivery'`, `sessionId`, `triggerId`). */
  readonly log: Logger;
}

export interface DeliveryHooks {
  /**
   * Called after every stage; the caller persists `progress` and emits `delivery_stage`. `failed` ends delivery only
   * when `progress.status` is `failed` (stages 1–5). After `deleteSidecar` it is still called for `delete_sidecar`:
   * emit the event, but do not write the sidecar again.
   */
  onStage(
    stage: DeliveryStage,
    status: 'ok' | 'skipped' | 'failed',
    detail: string | null,
    progress: DeliveryProgress,
  ): void;
  /** Stage 6: session record, stats, notice. */
  record(progress: DeliveryProgress): void;
  /** Stage 8: clear the sidecar and transcript. */
  deleteSidecar(): void;
}

export const INITIAL_PROGRESS: DeliveryProgress = {
  status: 'pending',
  completedStages: [],
  failedStage: null,
  error: null,
  commitShas: [],
  prUrl: null,
  warnings: [],
};

type StageOutcome =
  | { readonly status: 'ok' | 'skipped'; readonly detail: string | null; readonly update?: Partial<DeliveryProgress> }
  | { readonly status: 'failed'; readonly error: string };

/**
 * Runs (or resumes) delivery. An expected failure in stages 1–5 returns status `failed` with `failedStage` and
 * `error` (the worktree is kept); failures in 6–8 are logged, reported to `onStage` as `failed` and leave the status
 * as it was (a later run retries them). Only bugs and infrastructure faults throw. Errors and details never contain
 * a value from `secrets`.
 */
export async function runDelivery(
  input: DeliveryInput,
  previous: DeliveryProgress | null,
  hooks: DeliveryHooks,
): Promise<DeliveryProgress> {
  const redact = createRedactor(input.secrets);
  const log = input.log;
  let progress: DeliveryProgress = {
    ...(previous ?? INITIAL_PROGRESS),
    status: previous === null || previous.status === 'failed' ? 'pending' : previous.status,
    failedStage: null,
    error: null,
  };
  const done = new Set(progress.completedStages);
  // parse_handoff is pure and its result is not stored, so a resume parses again.
  let handoff: Handoff | null = null;

  for (const stage of DELIVERY_STAGES) {
    if (stage === 'parse_handoff') {
      const parsed = parseHandoff(input.finalNotes, input.artifacts);
      if (!parsed.ok) return fail(stage, parsed.error);
      handoff = parsed.handoff;
      if (done.has(stage)) continue;
      if (handoff.filesChanged.length === 0) {
        progress = { ...progress, status: 'skipped' };
        complete(stage, 'skipped', 'no_changes');
        continue;
      }
      complete(stage, 'ok', null);
      continue;
    }
    if (done.has(stage)) continue;
    if (progress.status === 'skipped' && stage !== 'record' && stage !== 'cleanup' && stage !== 'delete_sidecar')
      continue;

    if (stage === 'record' || stage === 'cleanup' || stage === 'delete_sidecar') {
      if (progress.status === 'pending') progress = { ...progress, status: 'completed' };
      await bestEffort(stage);
      continue;
    }

    if (!existsSync(input.worktreePath)) return fail(stage, `the worktree ${input.worktreePath} is missing`);
    const outcome = await runStage(stage, handoff as Handoff);
    if (outcome.status === 'failed') return fail(stage, outcome.error);
    if (outcome.update !== undefined) progress = { ...progress, ...outcome.update };
    complete(stage, outcome.status, outcome.detail);
  }
  if (progress.status === 'pending') progress = { ...progress, status: 'completed' };
  return progress;

  function complete(stage: DeliveryStage, status: 'ok' | 'skipped', detail: string | null): void {
    progress = { ...progress, completedStages: [...progress.completedStages, stage] };
    const shown = detail === null ? null : redact(detail);
    log.info({ stage, status, detail: shown }, 'delivery stage done');
    hooks.onStage(stage, status, shown, progress);
  }

  function fail(stage: DeliveryStage, error: string): DeliveryProgress {
    const message = redact(error);
    progress = { ...progress, status: 'failed', failedStage: stage, error: message };
    log.warn({ stage, error: message, worktreePath: input.worktreePath }, 'delivery failed; worktree kept');
    hooks.onStage(stage, 'failed', message, progress);
    return progress;
  }

  /** Stages 6–8: a failure is logged and reported, the status stays; the stage is retried by the next run. */
  async function bestEffort(stage: 'record' | 'cleanup' | 'delete_sidecar'): Promise<void> {
    try {
      if (stage === 'record') hooks.record(progress);
      else if (stage === 'cleanup') await removeWorktree(input.workspacePath, input.worktreePath);
      else hooks.deleteSidecar();
    } catch (error) {
      const message = redact(`${stage} failed: ${(error as Error).message}`);
      progress = { ...progress, warnings: [...progress.warnings, message] };
      log.error({ stage, error: message }, 'delivery stage failed (logged only)');
      hooks.onStage(stage, 'failed', message, progress);
      return;
    }
    complete(stage, 'ok', null);
  }

  function runStage(stage: 'secret_scan' | 'commit' | 'push' | 'open_pr', h: Handoff): Promise<StageOutcome> {
    switch (stage) {
      case 'secret_scan':
        return secretScanStage(input, h);
      case 'commit':
        return commitStage(input, h, progress);
      case 'push':
        return pushStage(input);
      case 'open_pr':
        return openPrStage(input, h, progress);
    }
  }
}

async function secretScanStage(input: DeliveryInput, handoff: Handoff): Promise<StageOutcome> {
  const head = await git(input.worktreePath, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
  const current = head.ok ? head.stdout.trim() : 'detached';
  if (current !== input.branch)
    return { status: 'failed', error: `HEAD of ${input.worktreePath} is ${current}, expected ${input.branch}` };
  const staged = await stageFiles(input.worktreePath, handoff.filesChanged);
  if (staged !== null) return { status: 'failed', error: staged };
  if (!input.trigger.secretScan) return { status: 'skipped', detail: 'secretScan is off' };
  const scan = await scanStaged(input.worktreePath, input.secrets);
  if (!scan.ok) return { status: 'failed', error: scan.error };
  if (scan.findings.length > 0) return { status: 'failed', error: formatFindings(scan.findings) };
  return { status: 'ok', detail: null };
}

async function commitStage(input: DeliveryInput, handoff: Handoff, progress: DeliveryProgress): Promise<StageOutcome> {
  const committed = await commitStaged({
    worktreePath: input.worktreePath,
    sessionId: input.sessionId,
    baseBranch: input.baseBranch,
    handoff,
    gitIdentity: input.gitIdentity,
  });
  if (!committed.ok) return { status: 'failed', error: committed.error };
  return {
    status: committed.status,
    detail: [committed.detail, ...committed.warnings].filter((d) => d !== null).join('; ') || null,
    update: { commitShas: committed.commitShas, warnings: [...progress.warnings, ...committed.warnings] },
  };
}

async function pushStage(input: DeliveryInput): Promise<StageOutcome> {
  if (!input.trigger.autoPush) return { status: 'skipped', detail: 'autoPush is off' };
  const pushed = await git(input.worktreePath, ['push', '--set-upstream', 'origin', input.branch]);
  if (!pushed.ok) return { status: 'failed', error: `git push failed: ${pushed.message}` };
  const upToDate = /Everything up-to-date/.test(pushed.stderr + pushed.stdout);
  return { status: 'ok', detail: upToDate ? 'up_to_date' : null };
}

async function openPrStage(input: DeliveryInput, handoff: Handoff, progress: DeliveryProgress): Promise<StageOutcome> {
  if (!input.trigger.autoOpenPR) return { status: 'skipped', detail: 'autoOpenPR is off' };
  if (!input.trigger.autoPush)
    return { status: 'skipped', detail: 'autoOpenPR needs autoPush; the branch was not pushed' };
  if (progress.prUrl !== null) return { status: 'skipped', detail: `already opened: ${progress.prUrl}` };
  const origin = await git(input.workspacePath, ['remote', 'get-url', 'origin']);
  const gitlabBaseUrl = typeof input.context.baseUrl === 'string' ? input.context.baseUrl : undefined;
  const forge = resolveForge({
    forge: input.trigger.forge,
    originUrl: origin.ok ? origin.stdout.trim() : null,
    env: input.env,
    ...(gitlabBaseUrl === undefined ? {} : { gitlabBaseUrl }),
  });
  if (!forge.ok) return { status: 'failed', error: forge.error };
  const itemNumber = input.context.itemNumber;
  const body = buildPrBody({
    prBody: handoff.prBody,
    template: findPrTemplate(input.worktreePath, input.trigger.prTemplate, forge.target.kind),
    ...(handoff.followUpTickets === undefined ? {} : { followUpTickets: handoff.followUpTickets }),
    issueNumber: typeof itemNumber === 'number' || typeof itemNumber === 'string' ? itemNumber : null,
    sessionId: input.sessionId,
    triggerId: input.triggerId,
    workflowId: input.workflowId,
  });
  const opened = await openPullRequest(
    forge.target,
    {
      head: input.branch,
      base: input.baseBranch,
      title: `${input.trigger.prTitlePrefix}${handoff.prTitle}`,
      body,
      draft: input.trigger.forge.draft ?? false,
    },
    input.log,
  );
  if (!opened.ok) return { status: 'failed', error: opened.error };
  return { status: 'ok', detail: opened.reused ? `reused ${opened.url}` : opened.url, update: { prUrl: opened.url } };
}
