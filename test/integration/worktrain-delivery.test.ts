import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type DeliveryInput,
  type DeliveryProgress,
  type DeliveryStage,
  runDelivery,
} from '../../src/daemon/delivery/pipeline.js';
import { type FakeForge, FORGE_TOKEN, startFakeForge } from '../support/fake-forge.js';
import { git, gitRemote, PR_TEMPLATE_HEADINGS } from '../support/git-remote.js';
import { type SessionWorktree, sessionWorktree } from './worktrain-delivery-helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const DAEMON_SECRET = 'daemon-held-secret-value-9f8e7d';

const HANDOFF = {
  kind: 'worktrain.handoff',
  commitType: 'feat',
  commitScope: 'greeter',
  commitSubject: 'say hello',
  prTitle: 'Say hello',
  prBody: '## Summary\nAdds a greeting.\n',
  filesChanged: ['src/hello.ts', 'AGENTS.md'],
};

async function forge(): Promise<FakeForge> {
  const started = await startFakeForge();
  cleanups.push(() => started.close());
  return started;
}

function deliveryInput(wt: SessionWorktree, f: FakeForge | null, extra: Partial<DeliveryInput> = {}): DeliveryInput {
  return {
    sessionId: wt.sessionId,
    triggerId: 'fix-issue',
    workflowId: 'acme.wt-fixture',
    trigger: {
      autoCommit: true,
      autoPush: true,
      autoOpenPR: f !== null,
      secretScan: true,
      prTemplate: undefined,
      prTitlePrefix: '[WT] ',
      forge: { kind: 'github', repo: 'acme/widgets' },
    },
    workspacePath: wt.workspace,
    worktreePath: wt.worktreePath,
    branch: wt.branch,
    baseBranch: 'main',
    finalNotes: 'Done.',
    artifacts: [HANDOFF],
    context: { itemNumber: 42 },
    secrets: [DAEMON_SECRET, FORGE_TOKEN],
    env: f === null ? {} : { GITHUB_API_URL: f.url, GITHUB_TOKEN: f.token },
    gitIdentity: {},
    log: wt.log,
    ...extra,
  };
}

function writeChange(wt: SessionWorktree): void {
  mkdirSync(path.join(wt.worktreePath, 'src'), { recursive: true });
  writeFileSync(path.join(wt.worktreePath, 'src', 'hello.ts'), "export const hello = 'hello';\n");
  writeFileSync(path.join(wt.worktreePath, 'AGENTS.md'), '# Agent rules\nAlways write tests.\nSay hello.\n');
}

function recorder() {
  const stages: { stage: DeliveryStage; status: string; detail: string | null }[] = [];
  const recorded: DeliveryProgress[] = [];
  let sidecarDeleted = 0;
  let last: DeliveryProgress | null = null;
  return {
    stages,
    recorded,
    sidecarDeleted: () => sidecarDeleted,
    last: () => last,
    hooks: {
      onStage(stage: DeliveryStage, status: 'ok' | 'skipped' | 'failed', detail: string | null, p: DeliveryProgress) {
        stages.push({ stage, status, detail });
        last = JSON.parse(JSON.stringify(p)) as DeliveryProgress;
      },
      record(p: DeliveryProgress) {
        recorded.push(p);
      },
      deleteSidecar() {
        sidecarDeleted += 1;
      },
    },
  };
}

/** The commits on `branch` in the bare remote that are not on main, newest first; [] when the branch is absent. */
function remoteCommits(remote: string, branch: string): string[] {
  try {
    return gitRemote(remote, 'rev-list', `main..refs/heads/${branch}`).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

describe('runDelivery', () => {
  it('commits exactly filesChanged with both trailers, pushes, opens the PR and cleans up', async () => {
    const wt = await sessionWorktree(cleanups);
    const f = await forge();
    writeChange(wt);
    writeFileSync(path.join(wt.worktreePath, 'scratch.txt'), 'notes\n');
    const rec = recorder();

    const progress = await runDelivery(deliveryInput(wt, f), null, rec.hooks);

    expect(progress).toMatchObject({ status: 'completed', failedStage: null, error: null });
    expect(progress.completedStages).toEqual([
      'parse_handoff',
      'secret_scan',
      'commit',
      'push',
      'open_pr',
      'record',
      'cleanup',
      'delete_sidecar',
    ]);
    const commits = remoteCommits(wt.remote, wt.branch);
    expect(commits).toHaveLength(1);
    const sha = commits[0] ?? '';
    expect(progress.commitShas).toEqual([sha]);
    const files = gitRemote(wt.remote, 'show', '--name-only', '--format=', sha).split('\n').sort();
    expect(files).toEqual(['AGENTS.md', 'src/hello.ts']);
    const message = gitRemote(wt.remote, 'log', '-1', '--format=%B', sha);
    expect(message.split('\n')[0]).toBe('feat(greeter): say hello');
    expect(message).toContain(`Worktrain-Session: ${wt.sessionId}`);
    expect(message).toContain('Co-authored-by: WorkTrain <worktrain@noreply.local>');
    expect(gitRemote(wt.remote, 'log', '-1', '--format=%an <%ae>', sha)).toBe('t <t@example.com>');

    const pulls = f.github.pulls('acme/widgets');
    expect(pulls).toHaveLength(1);
    const pr = pulls[0];
    expect(pr?.head.ref).toBe(wt.branch);
    expect(pr?.base.ref).toBe('main');
    expect(pr?.title).toBe('[WT] Say hello');
    for (const heading of PR_TEMPLATE_HEADINGS) expect(pr?.body).toContain(heading);
    expect(pr?.body).toContain('Closes #42');
    expect(pr?.body).toContain(`🤖 Automated by WorkTrain | Session: ${wt.sessionId} | Trigger: fix-issue`);
    expect(progress.prUrl).toBe(pr?.html_url);

    expect(progress.warnings).toEqual(['changed files not in filesChanged (left uncommitted): scratch.txt']);
    expect(existsSync(wt.worktreePath)).toBe(false);
    expect(git(wt.workspace, 'rev-parse', wt.branch)).toBe(sha);
    expect(rec.recorded).toHaveLength(1);
    expect(rec.recorded[0]).toMatchObject({ status: 'completed', prUrl: pr?.html_url, commitShas: [sha] });
    expect(rec.sidecarDeleted()).toBe(1);
    expect(rec.stages.map((s) => `${s.stage}:${s.status}`)).toEqual([
      'parse_handoff:ok',
      'secret_scan:ok',
      'commit:ok',
      'push:ok',
      'open_pr:ok',
      'record:ok',
      'cleanup:ok',
      'delete_sidecar:ok',
    ]);
  });

  it('fails at secret_scan naming rule, file and line but never the value, and pushes nothing', async () => {
    const wt = await sessionWorktree(cleanups);
    writeChange(wt);
    const token = `ghp_${'a1B2c3D4'.repeat(5)}`;
    writeFileSync(
      path.join(wt.worktreePath, 'src', 'hello.ts'),
      `export const hello = 'hello';\nexport const t = '${token}';\nexport const k = '${DAEMON_SECRET}';\n`,
    );
    const rec = recorder();

    const progress = await runDelivery(deliveryInput(wt, null), null, rec.hooks);

    expect(progress).toMatchObject({ status: 'failed', failedStage: 'secret_scan' });
    expect(progress.error).toBe(
      '2 possible secrets in the staged changes: github-token in src/hello.ts:2, daemon-secret in src/hello.ts:3',
    );
    expect(JSON.stringify(rec.stages) + wt.logs()).not.toContain(token);
    expect(JSON.stringify(rec.stages) + wt.logs()).not.toContain(DAEMON_SECRET);
    expect(remoteCommits(wt.remote, wt.branch)).toEqual([]);
    expect(git(wt.worktreePath, 'rev-parse', 'HEAD')).toBe(git(wt.workspace, 'rev-parse', 'origin/main'));
    expect(existsSync(wt.worktreePath)).toBe(true);
    expect(rec.recorded).toEqual([]);
    expect(rec.sidecarDeleted()).toBe(0);
  });

  it('with secretScan false stages and commits without scanning', async () => {
    const wt = await sessionWorktree(cleanups);
    writeChange(wt);
    writeFileSync(path.join(wt.worktreePath, 'src', 'hello.ts'), 'const password = "hunter2hunter2";\n');
    const input = deliveryInput(wt, null);
    const progress = await runDelivery(
      { ...input, trigger: { ...input.trigger, secretScan: false } },
      null,
      recorder().hooks,
    );
    expect(progress.status).toBe('completed');
    expect(remoteCommits(wt.remote, wt.branch)).toHaveLength(1);
  });

  it('refuses filesChanged paths that leave the worktree', async () => {
    const wt = await sessionWorktree(cleanups);
    writeChange(wt);
    const outside = path.dirname(wt.worktreePath);
    writeFileSync(path.join(outside, 'outside.txt'), 'x\n');
    const cases: [string, string][] = [
      ['../outside.txt', 'filesChanged path "../outside.txt" contains ".."'],
      [path.join(outside, 'outside.txt'), `filesChanged path "${path.join(outside, 'outside.txt')}" is absolute`],
      ['link/outside.txt', 'filesChanged path "link/outside.txt" leaves the worktree through the symlink "link"'],
    ];
    symlinkSync(outside, path.join(wt.worktreePath, 'link'));
    for (const [file, error] of cases) {
      const progress = await runDelivery(
        deliveryInput(wt, null, { artifacts: [{ ...HANDOFF, filesChanged: ['src/hello.ts', file] }] }),
        null,
        recorder().hooks,
      );
      expect(progress).toMatchObject({ status: 'failed', failedStage: 'secret_scan', error });
    }
    expect(git(wt.worktreePath, 'diff', '--cached', '--name-only')).toBe('');
  });

  it('fails at push when the remote rejects it, keeps the worktree, then a rerun with the progress delivers', async () => {
    const wt = await sessionWorktree(cleanups);
    const f = await forge();
    writeChange(wt);
    const hook = path.join(wt.remote, 'hooks', 'pre-receive');
    writeFileSync(hook, '#!/bin/sh\necho "policy: no pushes today" >&2\nexit 1\n', { mode: 0o755 });
    const first = recorder();

    const failed = await runDelivery(deliveryInput(wt, f), null, first.hooks);

    expect(failed).toMatchObject({ status: 'failed', failedStage: 'push' });
    expect(failed.completedStages).toEqual(['parse_handoff', 'secret_scan', 'commit']);
    expect(failed.error).toMatch(/^git push failed: .*policy: no pushes today.*pre-receive hook declined/);
    expect(remoteCommits(wt.remote, wt.branch)).toEqual([]);
    expect(existsSync(wt.worktreePath)).toBe(true);
    expect(git(wt.worktreePath, 'rev-parse', 'HEAD')).toBe(failed.commitShas[0]);
    expect(f.github.pulls('acme/widgets')).toEqual([]);

    rmSync(hook);
    const second = recorder();
    const done = await runDelivery(deliveryInput(wt, f), failed, second.hooks);

    expect(done.status).toBe('completed');
    expect(second.stages.map((s) => s.stage)).toEqual(['push', 'open_pr', 'record', 'cleanup', 'delete_sidecar']);
    expect(remoteCommits(wt.remote, wt.branch)).toEqual(failed.commitShas);
    expect(f.github.pulls('acme/widgets')).toHaveLength(1);
  });

  it('fails at open_pr on a forge 500 with the branch pushed, and a rerun after the fault completes', async () => {
    const wt = await sessionWorktree(cleanups);
    const f = await forge();
    writeChange(wt);
    f.failNext('POST', /\/repos\/acme\/widgets\/pulls$/, 500);
    const first = recorder();

    const failed = await runDelivery(deliveryInput(wt, f), null, first.hooks);

    expect(failed).toMatchObject({ status: 'failed', failedStage: 'open_pr', prUrl: null });
    expect(failed.error).toMatch(/^GitHub POST \/repos\/acme\/widgets\/pulls failed with 500/);
    expect(failed.error).not.toContain(FORGE_TOKEN);
    expect(remoteCommits(wt.remote, wt.branch)).toHaveLength(1);
    expect(existsSync(wt.worktreePath)).toBe(true);
    expect(first.last()).toEqual(failed);

    const second = recorder();
    const done = await runDelivery(deliveryInput(wt, f), first.last(), second.hooks);

    expect(done).toMatchObject({ status: 'completed', failedStage: null, error: null });
    expect(second.stages.map((s) => s.stage)).toEqual(['open_pr', 'record', 'cleanup', 'delete_sidecar']);
    expect(f.github.pulls('acme/widgets')).toHaveLength(1);
    expect(done.prUrl).toBe(f.github.pulls('acme/widgets')[0]?.html_url);
    expect(remoteCommits(wt.remote, wt.branch)).toHaveLength(1);
    expect(existsSync(wt.worktreePath)).toBe(false);
  });

  it('reuses the open PR of the branch when the forge answers 422', async () => {
    const wt = await sessionWorktree(cleanups);
    const f = await forge();
    writeChange(wt);
    const existing = f.github.seedPull('acme/widgets', { title: 'Earlier', head: wt.branch, base: 'main' });

    const progress = await runDelivery(deliveryInput(wt, f), null, recorder().hooks);

    expect(progress).toMatchObject({ status: 'completed', prUrl: existing.html_url });
    expect(f.github.pulls('acme/widgets')).toHaveLength(1);
    expect(f.callsTo('GET', /\/repos\/acme\/widgets\/pulls$/)[0]?.query).toMatchObject({
      head: `acme:${wt.branch}`,
      state: 'open',
    });
  });

  it('opens a GitLab merge request and records its web_url', async () => {
    const wt = await sessionWorktree(cleanups);
    const f = await forge();
    writeChange(wt);
    const input = deliveryInput(wt, f, { env: { GITLAB_BASE_URL: f.url, GITLAB_TOKEN: f.token } });

    const progress = await runDelivery(
      { ...input, trigger: { ...input.trigger, forge: { kind: 'gitlab', repo: 'group/widgets', draft: true } } },
      null,
      recorder().hooks,
    );

    expect(progress.status).toBe('completed');
    const mrs = f.gitlab.mrs('group/widgets');
    expect(mrs).toHaveLength(1);
    expect(mrs[0]).toMatchObject({ source_branch: wt.branch, target_branch: 'main', title: '[WT] Say hello' });
    expect(mrs[0]?.draft).toBe(true);
    for (const heading of PR_TEMPLATE_HEADINGS) expect(mrs[0]?.description).toContain(heading);
    expect(progress.prUrl).toBe(mrs[0]?.web_url);
  });

  it('fails at open_pr with a precise message when no token is available', async () => {
    const wt = await sessionWorktree(cleanups);
    const f = await forge();
    writeChange(wt);
    const progress = await runDelivery(
      deliveryInput(wt, f, { env: { GITHUB_API_URL: f.url } }),
      null,
      recorder().hooks,
    );
    expect(progress).toMatchObject({
      status: 'failed',
      failedStage: 'open_pr',
      error: 'no GitHub token: set forge.token, GITHUB_TOKEN or GH_TOKEN',
    });
    expect(f.calls).toEqual([]);
  });

  it('skips with no_changes when filesChanged is empty, and still records and cleans up', async () => {
    const wt = await sessionWorktree(cleanups);
    const rec = recorder();

    const progress = await runDelivery(
      deliveryInput(wt, null, { artifacts: [{ ...HANDOFF, filesChanged: [] }] }),
      null,
      rec.hooks,
    );

    expect(progress.status).toBe('skipped');
    expect(rec.stages.map((s) => `${s.stage}:${s.status}:${s.detail}`)).toEqual([
      'parse_handoff:skipped:no_changes',
      'record:ok:null',
      'cleanup:ok:null',
      'delete_sidecar:ok:null',
    ]);
    expect(remoteCommits(wt.remote, wt.branch)).toEqual([]);
    expect(existsSync(wt.worktreePath)).toBe(false);
  });

  it('fails at parse_handoff when there is no valid handoff, keeping the worktree', async () => {
    const wt = await sessionWorktree(cleanups);
    writeChange(wt);
    const progress = await runDelivery(
      deliveryInput(wt, null, { artifacts: [], finalNotes: 'All done, no JSON here.' }),
      null,
      recorder().hooks,
    );
    expect(progress).toMatchObject({ status: 'failed', failedStage: 'parse_handoff' });
    expect(progress.error).toContain('no handoff');
    expect(existsSync(wt.worktreePath)).toBe(true);
  });

  it('does not commit twice when resumed after a commit whose stage was not recorded', async () => {
    const wt = await sessionWorktree(cleanups);
    writeChange(wt);
    const input = deliveryInput(wt, null, { trigger: { ...deliveryInput(wt, null).trigger, autoPush: false } });
    const first = await runDelivery(input, null, recorder().hooks);
    expect(first.status).toBe('completed');
    const stale: DeliveryProgress = { ...first, status: 'pending', completedStages: ['parse_handoff', 'secret_scan'] };
    // cleanup removed the worktree; set it up again on the same branch to resume in
    git(wt.workspace, 'worktree', 'add', wt.worktreePath, wt.branch);
    const rec = recorder();

    const again = await runDelivery(input, stale, rec.hooks);

    expect(rec.stages.find((s) => s.stage === 'commit')).toMatchObject({
      status: 'skipped',
      detail: 'already_committed',
    });
    expect(rec.stages.find((s) => s.stage === 'push')).toMatchObject({ status: 'skipped', detail: 'autoPush is off' });
    expect(again.commitShas).toEqual(first.commitShas);
    expect(git(wt.workspace, 'rev-list', '--count', `origin/main..${wt.branch}`)).toBe('1');
  });

  it('delivers commits the agent made itself as nothing_to_commit', async () => {
    const wt = await sessionWorktree(cleanups);
    writeChange(wt);
    git(wt.worktreePath, 'add', '--', 'src/hello.ts', 'AGENTS.md');
    git(wt.worktreePath, 'commit', '-q', '-m', 'agent commit');
    const rec = recorder();

    const progress = await runDelivery(deliveryInput(wt, null), null, rec.hooks);

    expect(progress.status).toBe('completed');
    expect(rec.stages.find((s) => s.stage === 'commit')).toMatchObject({
      status: 'skipped',
      detail: 'nothing_to_commit',
    });
    const commits = remoteCommits(wt.remote, wt.branch);
    expect(commits).toHaveLength(1);
    expect(gitRemote(wt.remote, 'log', '-1', '--format=%s', commits[0] ?? '')).toBe('agent commit');
  });

  it('uses the config identity when git has none, and commit.gpgsign=false when gitSign is false', async () => {
    const wt = await sessionWorktree(cleanups);
    writeChange(wt);
    git(wt.workspace, 'config', '--unset', 'user.name');
    git(wt.workspace, 'config', '--unset', 'user.email');
    git(wt.workspace, 'config', 'commit.gpgsign', 'true');
    git(wt.workspace, 'config', 'gpg.program', '/nonexistent/gpg');
    const env = { HOME: path.dirname(wt.worktreePath), GIT_CONFIG_NOSYSTEM: '1' };
    // git runs with the daemon's process environment: point HOME away from any global identity for this test
    for (const [key, value] of Object.entries(env)) {
      const saved = process.env[key];
      process.env[key] = value;
      cleanups.push(() => {
        if (saved === undefined) delete process.env[key];
        else process.env[key] = saved;
      });
    }

    const signed = await runDelivery(
      deliveryInput(wt, null, { gitIdentity: { name: 'Op Erator', email: 'op@example.com' } }),
      null,
      recorder().hooks,
    );
    expect(signed).toMatchObject({ status: 'failed', failedStage: 'commit' });
    expect(signed.error).toMatch(/^git commit failed: .*set "gitSign": false in config\.json/);

    const unsigned = await runDelivery(
      deliveryInput(wt, null, { gitIdentity: { name: 'Op Erator', email: 'op@example.com', sign: false } }),
      signed,
      recorder().hooks,
    );
    expect(unsigned.status).toBe('completed');
    const sha = remoteCommits(wt.remote, wt.branch)[0] ?? '';
    expect(gitRemote(wt.remote, 'log', '-1', '--format=%an <%ae>', sha)).toBe('Op Erator <op@example.com>');
  });

  it('fails at the next stage when a resume finds the worktree gone, and does nothing for a completed delivery', async () => {
    const wt = await sessionWorktree(cleanups);
    writeChange(wt);
    const input = deliveryInput(wt, null);
    const done = await runDelivery(input, null, recorder().hooks);
    expect(done.status).toBe('completed');
    const rec = recorder();
    expect(await runDelivery(input, done, rec.hooks)).toEqual(done);
    expect(rec.stages).toEqual([]);

    const stale: DeliveryProgress = {
      ...done,
      status: 'failed',
      completedStages: ['parse_handoff', 'secret_scan', 'commit'],
    };
    const resumed = await runDelivery(input, stale, recorder().hooks);
    expect(resumed).toMatchObject({
      status: 'failed',
      failedStage: 'push',
      error: `the worktree ${wt.worktreePath} is missing`,
    });
  });
});
