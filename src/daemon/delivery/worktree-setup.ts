// Worktree setup and removal for the `worktree` and `read-only` branch strategies (docs/worktrain.md §8.1).
// The main checkout is only fetched into and given worktree bookkeeping; the session works in its own worktree.
import { existsSync, realpathSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger.js';
import { git } from './git.js';

export const STALE_INDEX_LOCK_MS = 10 * 60_000;
export const INDEX_LOCK_WAIT_MS = 30_000;
const LOCK_POLL_MS = 500;

export interface LockClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: LockClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface SetupWorktreeInput {
  readonly workspacePath: string;
  readonly sessionId: string;
  readonly strategy: 'worktree' | 'read-only';
  /** Undefined: the remote default branch (`origin/HEAD`), else `main`. */
  readonly baseBranch: string | undefined;
  readonly branchPrefix: string;
  /** read-only: the worktree is detached at `origin/<prBranch>`; missing → error. */
  readonly prBranch?: string;
  /** worktree: check out this existing remote branch (tracking `origin/<headBranch>`) instead of a new one. */
  readonly headBranch?: string;
  /** `<WORKRAIL_HOME>/worktrees`; the worktree goes to `<worktreesDir>/<sessionId>`. */
  readonly worktreesDir: string;
  readonly log: Logger;
  /** Test seam for the index.lock wait. */
  readonly clock?: LockClock;
}

export type SetupWorktreeResult =
  | { readonly ok: true; readonly worktreePath: string; readonly branch: string | null; readonly baseBranch: string }
  | { readonly ok: false; readonly error: string };

const failed = (message: string): SetupWorktreeResult => ({ ok: false, error: `worktree_setup_failed: ${message}` });

/**
 * Creates the session's worktree. Never throws for git failures: a missing `origin`, a failed fetch or
 * `worktree add`, or an index.lock that stays held come back as `worktree_setup_failed: <git message>`.
 */
export async function setupWorktree(input: SetupWorktreeInput): Promise<SetupWorktreeResult> {
  const ws = input.workspacePath;
  const gitDir = await git(ws, ['rev-parse', '--absolute-git-dir']);
  if (!gitDir.ok) return failed(gitDir.message);
  const lock = await waitForIndexLock(path.join(gitDir.stdout.trim(), 'index.lock'), input);
  if (lock !== null) return failed(lock);

  const origin = await git(ws, ['remote', 'get-url', 'origin']);
  if (!origin.ok) return failed(origin.message);
  const baseBranch = input.baseBranch ?? (await remoteDefaultBranch(ws));
  const worktreePath = path.join(input.worktreesDir, input.sessionId);

  if (input.strategy === 'read-only') {
    if (input.prBranch === undefined || input.prBranch === '')
      return failed('read-only strategy needs context.prBranch');
    const fetched = await fetchBranch(ws, input.prBranch);
    if (fetched !== null) return failed(fetched);
    const added = await git(ws, ['worktree', 'add', '--detach', worktreePath, `refs/remotes/origin/${input.prBranch}`]);
    if (!added.ok) return failed(added.message);
    input.log.info({ worktreePath, prBranch: input.prBranch }, 'read-only worktree created');
    return { ok: true, worktreePath: realpathSync(worktreePath), branch: null, baseBranch };
  }

  const branch = input.headBranch ?? `${input.branchPrefix}${input.sessionId}`;
  const existing = await existingWorktree(worktreePath, branch);
  if (existing) {
    input.log.info({ worktreePath, branch }, 'worktree already set up; reusing it');
    return { ok: true, worktreePath: realpathSync(worktreePath), branch, baseBranch };
  }
  const startBranch = input.headBranch ?? baseBranch;
  const fetched = await fetchBranch(ws, startBranch);
  if (fetched !== null) return failed(fetched);
  const track = input.headBranch === undefined ? '--no-track' : '--track';
  const added = await git(ws, [
    'worktree',
    'add',
    track,
    '-b',
    branch,
    worktreePath,
    `refs/remotes/origin/${startBranch}`,
  ]);
  if (!added.ok) return failed(added.message);
  input.log.info({ worktreePath, branch, baseBranch }, 'worktree created');
  return { ok: true, worktreePath: realpathSync(worktreePath), branch, baseBranch };
}

/** `git worktree remove --force`; a worktree that is already gone counts as removed. Throws if git fails otherwise. */
export async function removeWorktree(workspacePath: string, worktreePath: string): Promise<void> {
  const removed = await git(workspacePath, ['worktree', 'remove', '--force', worktreePath]);
  if (removed.ok) return;
  if (!existsSync(worktreePath)) {
    await git(workspacePath, ['worktree', 'prune']);
    return;
  }
  throw new Error(`git worktree remove failed: ${removed.message}`);
}

/** True when the worktree has staged, unstaged or untracked changes; a missing worktree has none. */
export async function hasUncommittedChanges(worktreePath: string): Promise<boolean> {
  if (!existsSync(worktreePath)) return false;
  const status = await git(worktreePath, ['status', '--porcelain']);
  if (!status.ok) throw new Error(`git status failed in ${worktreePath}: ${status.message}`);
  return status.stdout.trim() !== '';
}

/** null when the lock is gone (or was stale and removed), else the reason setup cannot go on. */
async function waitForIndexLock(lockPath: string, input: SetupWorktreeInput): Promise<string | null> {
  const clock = input.clock ?? realClock;
  const start = clock.now();
  for (;;) {
    const mtime = lockMtime(lockPath);
    if (mtime === null) return null;
    if (clock.now() - mtime >= STALE_INDEX_LOCK_MS) {
      rmSync(lockPath, { force: true });
      input.log.warn({ lockPath, ageMs: clock.now() - mtime }, 'removed stale index.lock');
      return null;
    }
    if (clock.now() - start >= INDEX_LOCK_WAIT_MS)
      return `${lockPath} is held by another git process (still there after ${INDEX_LOCK_WAIT_MS / 1000} s)`;
    await clock.sleep(LOCK_POLL_MS);
  }
}

function lockMtime(lockPath: string): number | null {
  try {
    return statSync(lockPath).mtimeMs;
  } catch {
    return null;
  }
}

async function remoteDefaultBranch(ws: string): Promise<string> {
  const head = await git(ws, ['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD']);
  if (head.ok && head.stdout.trim().startsWith('origin/')) return head.stdout.trim().slice('origin/'.length);
  const remote = await git(ws, ['ls-remote', '--symref', 'origin', 'HEAD']);
  const match = remote.ok ? /^ref: refs\/heads\/(\S+)\s+HEAD$/m.exec(remote.stdout) : null;
  return match?.[1] ?? 'main';
}

async function fetchBranch(ws: string, branch: string): Promise<string | null> {
  const fetched = await git(ws, ['fetch', '--quiet', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`]);
  return fetched.ok ? null : fetched.message;
}

async function existingWorktree(worktreePath: string, branch: string): Promise<boolean> {
  if (!existsSync(path.join(worktreePath, '.git'))) return false;
  const head = await git(worktreePath, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
  return head.ok && head.stdout.trim() === branch;
}
