import { realpathSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { continueWorkflow } from '../../src/app/continue-workflow.js';
import { readGitFacts } from '../../src/app/git-observations.js';
import { getSessionMetrics } from '../../src/app/session-metrics.js';
import { startWorkflow } from '../../src/app/start-workflow.js';
import { sha256Hex } from '../../src/workflow/canonical.js';
import { asStep, commit, expectOk, git, gitRepo, SIMPLE_WORKFLOW, tempDir, testApp, writeJson } from './app-helpers.js';

describe('git observations', () => {
  it('reads the repository root, its hash, the branch and HEAD of a workspace, also from a subdirectory', () => {
    const repo = gitRepo();
    const root = realpathSync(repo);
    const expected = {
      repoRoot: root,
      repoRootHash: sha256Hex(root),
      branch: 'main',
      headSha: git(repo, 'rev-parse', 'HEAD'),
    };
    expect(readGitFacts(repo)).toEqual(expected);
    writeJson(repo, 'src/deep/file.json', {});
    expect(readGitFacts(path.join(repo, 'src', 'deep'))).toEqual(expected);
  });

  it('reports no branch for a detached HEAD', () => {
    const repo = gitRepo();
    const first = git(repo, 'rev-parse', 'HEAD');
    commit(repo, 'second');
    git(repo, 'checkout', '-q', '--detach', first);
    expect(readGitFacts(repo)).toMatchObject({ branch: null, headSha: first });
  });

  it('resolves a branch whose ref lives only in packed-refs', () => {
    const repo = gitRepo();
    const head = git(repo, 'rev-parse', 'HEAD');
    git(repo, 'pack-refs', '--all');
    expect(git(repo, 'for-each-ref', '--format=%(refname)')).toContain('refs/heads/main');
    expect(readGitFacts(repo)).toMatchObject({ branch: 'main', headSha: head });
  });

  it('gives a linked worktree the main repository root and its own branch and HEAD', () => {
    const repo = gitRepo();
    const worktree = path.join(tempDir('workrail-wt-'), 'wt');
    git(repo, 'worktree', 'add', '-q', '-b', 'feature/login', worktree);
    const sha = commit(worktree, 'on feature');
    const facts = readGitFacts(worktree);
    expect(facts).toEqual({
      repoRoot: realpathSync(repo),
      repoRootHash: sha256Hex(realpathSync(repo)),
      branch: 'feature/login',
      headSha: sha,
    });
    expect(readGitFacts(repo)?.branch).toBe('main');
  });

  it('returns null outside a repository and a null HEAD in a repository without commits', () => {
    expect(readGitFacts(tempDir())).toBeNull();
    const empty = tempDir();
    git(empty, 'init', '-q', '-b', 'trunk');
    expect(readGitFacts(empty)).toMatchObject({ branch: 'trunk', headSha: null });
  });
});

describe('git facts in a session', () => {
  it('records observations at start and the start/end HEAD and reported commits at completion', () => {
    const { app } = testApp();
    const repo = gitRepo();
    writeJson(repo, `.workrail/workflows/${SIMPLE_WORKFLOW.id}.json`, SIMPLE_WORKFLOW);
    const startSha = git(repo, 'rev-parse', 'HEAD');
    const start = asStep(expectOk(startWorkflow(app, { workflowId: 'acme.simple', workspacePath: repo, goal: 'g' })));
    const sessionId = app.store.read((r) => r.findToken(start.continueToken!))!.sessionId;
    const observations = app.store
      .read((r) => r.listEvents(sessionId))
      .filter((e) => e.kind === 'observation_recorded')
      .map((e) => e.data);
    expect(observations).toEqual([
      { key: 'repo_root', value: realpathSync(repo), confidence: 'high' },
      { key: 'repo_root_hash', value: sha256Hex(realpathSync(repo)), confidence: 'high' },
      { key: 'git_branch', value: 'main', confidence: 'high' },
      { key: 'git_head_sha', value: startSha, confidence: 'high' },
    ]);

    const second = asStep(expectOk(continueWorkflow(app, { continueToken: start.continueToken!, notes: 'one' })));
    const endSha = commit(repo, 'the fix');
    const done = expectOk(
      continueWorkflow(app, {
        continueToken: second.continueToken!,
        notes: 'two',
        context: { metrics_commit_shas: [endSha], metrics_outcome: 'success' },
      }),
    );
    expect(done.isComplete).toBe(true);
    const completed = app.store.read((r) => r.listEvents(sessionId)).find((e) => e.kind === 'run_completed');
    expect(completed?.data).toMatchObject({ git: { startSha, endSha, branch: 'main', commitShas: [endSha] } });
    expect(getSessionMetrics(app, sessionId)).toMatchObject({
      stepsAdvanced: 2,
      blockedAttempts: 0,
      outcome: 'success',
      isComplete: true,
      startSha,
      endSha,
    });
  });
});
