import { existsSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  hasUncommittedChanges,
  removeWorktree,
  type SetupWorktreeInput,
  setupWorktree,
} from '../../src/daemon/delivery/worktree-setup.js';
import { git, gitRemoteWorkspace } from '../support/git-remote.js';
import { gitWorkspace, tempDir } from '../support/worktrain-harness.js';
import { captureLogger } from './worktrain-delivery-helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function input(workspacePath: string, extra: Partial<SetupWorktreeInput> = {}): SetupWorktreeInput {
  return {
    workspacePath,
    sessionId: 'wt_abc',
    strategy: 'worktree',
    baseBranch: undefined,
    branchPrefix: 'worktrain/',
    worktreesDir: path.join(tempDir(cleanups, 'worktrain-home-'), 'worktrees'),
    log: captureLogger().log,
    ...extra,
  };
}

/** Pushes a new commit on `branch` to origin from a scratch clone, so the workspace has not fetched it yet. */
function pushBranch(remote: string, branch: string, file: string): string {
  const clone = tempDir(cleanups, 'worktrain-clone-');
  git(clone, 'clone', '-q', remote, '.');
  git(clone, 'checkout', '-q', '-b', branch);
  writeFileSync(path.join(clone, file), `${branch}\n`);
  git(clone, 'add', '--', file);
  git(clone, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', `on ${branch}`);
  git(clone, 'push', '-q', 'origin', branch);
  return git(clone, 'rev-parse', 'HEAD');
}

describe('setupWorktree', () => {
  it('creates worktrain/<sessionId> from origin/<default branch> under worktreesDir', async () => {
    const { workspace } = gitRemoteWorkspace(cleanups);
    const args = input(workspace);
    const setup = await setupWorktree(args);
    expect(setup).toMatchObject({ ok: true, branch: 'worktrain/wt_abc', baseBranch: 'main' });
    if (!setup.ok) return;
    expect(setup.worktreePath.endsWith(path.join('worktrees', 'wt_abc'))).toBe(true);
    expect(git(setup.worktreePath, 'symbolic-ref', '--short', 'HEAD')).toBe('worktrain/wt_abc');
    expect(git(setup.worktreePath, 'rev-parse', 'HEAD')).toBe(git(workspace, 'rev-parse', 'origin/main'));
    expect(existsSync(path.join(setup.worktreePath, 'AGENTS.md'))).toBe(true);
    expect(git(workspace, 'symbolic-ref', '--short', 'HEAD')).toBe('main');
  });

  it('starts from the remote default branch named by origin/HEAD, fetched fresh', async () => {
    const { workspace, remote } = gitRemoteWorkspace(cleanups);
    const developSha = pushBranch(remote, 'develop', 'develop.txt');
    git(workspace, 'fetch', '-q', 'origin');
    git(workspace, 'remote', 'set-head', 'origin', 'develop');
    const setup = await setupWorktree(input(workspace));
    expect(setup).toMatchObject({ ok: true, baseBranch: 'develop' });
    if (setup.ok) expect(git(setup.worktreePath, 'rev-parse', 'HEAD')).toBe(developSha);
  });

  it('uses the configured baseBranch and fetches it before branching', async () => {
    const { workspace, remote } = gitRemoteWorkspace(cleanups);
    const releaseSha = pushBranch(remote, 'release', 'release.txt');
    const setup = await setupWorktree(input(workspace, { baseBranch: 'release', branchPrefix: 'bot/' }));
    expect(setup).toMatchObject({ ok: true, branch: 'bot/wt_abc', baseBranch: 'release' });
    if (setup.ok) expect(git(setup.worktreePath, 'rev-parse', 'HEAD')).toBe(releaseSha);
  });

  it('reuses the worktree of the same session when it is set up again', async () => {
    const { workspace } = gitRemoteWorkspace(cleanups);
    const args = input(workspace);
    const first = await setupWorktree(args);
    const second = await setupWorktree(args);
    expect(second).toEqual(first);
  });

  it('read-only: a detached worktree at origin/<prBranch>, no branch', async () => {
    const { workspace, remote } = gitRemoteWorkspace(cleanups);
    const prSha = pushBranch(remote, 'feature/x', 'x.txt');
    const setup = await setupWorktree(input(workspace, { strategy: 'read-only', prBranch: 'feature/x' }));
    expect(setup).toMatchObject({ ok: true, branch: null });
    if (!setup.ok) return;
    expect(git(setup.worktreePath, 'rev-parse', 'HEAD')).toBe(prSha);
    expect(() => git(setup.worktreePath, 'symbolic-ref', '-q', 'HEAD')).toThrow();
  });

  it('read-only without prBranch, or with a branch origin lacks, fails with worktree_setup_failed', async () => {
    const { workspace } = gitRemoteWorkspace(cleanups);
    const missing = await setupWorktree(input(workspace, { strategy: 'read-only' }));
    expect(missing).toEqual({ ok: false, error: 'worktree_setup_failed: read-only strategy needs context.prBranch' });
    const unknown = await setupWorktree(input(workspace, { strategy: 'read-only', prBranch: 'nope' }));
    expect(unknown.ok).toBe(false);
    if (!unknown.ok)
      expect(unknown.error).toMatch(/^worktree_setup_failed: .*couldn't find remote ref refs\/heads\/nope/);
  });

  it('fails with worktree_setup_failed and git’s message when the workspace has no origin', async () => {
    const ws = gitWorkspace(cleanups);
    const setup = await setupWorktree(input(ws));
    expect(setup.ok).toBe(false);
    if (!setup.ok) expect(setup.error).toMatch(/^worktree_setup_failed: .*No such remote 'origin'/);
  });

  it('fails when the base branch cannot be fetched', async () => {
    const { workspace } = gitRemoteWorkspace(cleanups);
    const setup = await setupWorktree(input(workspace, { baseBranch: 'no-such-branch' }));
    expect(setup.ok).toBe(false);
    if (!setup.ok) expect(setup.error).toMatch(/^worktree_setup_failed: .*no-such-branch/);
  });

  it('fails when worktree add fails (the branch exists already)', async () => {
    const { workspace } = gitRemoteWorkspace(cleanups);
    git(workspace, 'branch', 'worktrain/wt_abc');
    const setup = await setupWorktree(input(workspace));
    expect(setup.ok).toBe(false);
    if (!setup.ok) expect(setup.error).toMatch(/^worktree_setup_failed: .*worktrain\/wt_abc.*already exists/);
  });

  it('removes an index.lock older than 10 minutes and logs it', async () => {
    const { workspace } = gitRemoteWorkspace(cleanups);
    const lock = path.join(workspace, '.git', 'index.lock');
    writeFileSync(lock, '');
    const old = new Date(Date.now() - 11 * 60_000);
    utimesSync(lock, old, old);
    const logger = captureLogger();
    const setup = await setupWorktree(input(workspace, { log: logger.log }));
    expect(setup.ok).toBe(true);
    expect(existsSync(lock)).toBe(false);
    expect(logger.text()).toContain('removed stale index.lock');
  });

  it('waits for a young index.lock and goes on once it is released', async () => {
    const { workspace } = gitRemoteWorkspace(cleanups);
    const lock = path.join(workspace, '.git', 'index.lock');
    writeFileSync(lock, '');
    let now = Date.now();
    const sleeps: number[] = [];
    const clock = {
      now: () => now,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        now += ms;
        if (sleeps.length === 4) rmSync(lock);
      },
    };
    const setup = await setupWorktree(input(workspace, { clock }));
    expect(setup.ok).toBe(true);
    expect(sleeps.length).toBe(4);
    expect(existsSync(lock)).toBe(false);
  });

  it('gives up after 30 s when a young index.lock stays', async () => {
    const { workspace } = gitRemoteWorkspace(cleanups);
    const lock = path.join(workspace, '.git', 'index.lock');
    writeFileSync(lock, '');
    const start = Date.now();
    let now = start;
    const clock = {
      now: () => now,
      sleep: async (ms: number) => {
        now += ms;
      },
    };
    const setup = await setupWorktree(input(workspace, { clock }));
    expect(setup.ok).toBe(false);
    if (!setup.ok) expect(setup.error).toMatch(/^worktree_setup_failed: .*index\.lock is held .*30 s/);
    expect(now - start).toBeGreaterThanOrEqual(30_000);
    expect(existsSync(lock)).toBe(true);
  });
});

describe('removeWorktree and hasUncommittedChanges', () => {
  it('reports changes, removes the worktree with --force, and treats a missing worktree as removed', async () => {
    const { workspace } = gitRemoteWorkspace(cleanups);
    const setup = await setupWorktree(input(workspace));
    if (!setup.ok) throw new Error(setup.error);
    expect(await hasUncommittedChanges(setup.worktreePath)).toBe(false);
    writeFileSync(path.join(setup.worktreePath, 'new.txt'), 'x\n');
    expect(await hasUncommittedChanges(setup.worktreePath)).toBe(true);
    await removeWorktree(workspace, setup.worktreePath);
    expect(existsSync(setup.worktreePath)).toBe(false);
    expect(git(workspace, 'worktree', 'list')).not.toContain('wt_abc');
    expect(git(workspace, 'rev-parse', '--verify', 'worktrain/wt_abc')).toMatch(/^[0-9a-f]{40}$/);
    await removeWorktree(workspace, setup.worktreePath);
    expect(await hasUncommittedChanges(setup.worktreePath)).toBe(false);
  });
});
