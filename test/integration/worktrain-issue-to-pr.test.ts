// The issue-9 contract end to end (docs/worktrain.md §4.2 github_queue_poll, §8): a labelled issue on the fake forge
// is polled, its session runs on the scripted LLM in its own worktree and changes a file, and delivery pushes one
// commit to the bare origin and opens a PR whose body fills the template and closes the issue; the worktree is gone.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeForge, startFakeForge } from '../support/fake-forge.js';
import { gitRemote, gitRemoteWorkspace, PR_TEMPLATE_HEADINGS } from '../support/git-remote.js';
import { API_KEY, type ScriptedLlmServer, startScriptedLlmServer } from '../support/scripted-llm-server.js';
import { completeStep, NOTES, startTestDaemon, WORKFLOW_ID, waitForSession } from '../support/worktrain-harness.js';

const cleanups: (() => unknown)[] = [];
let llm: ScriptedLlmServer | undefined;
let forge: FakeForge | undefined;

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await llm?.close();
  await forge?.close();
  llm = undefined;
  forge = undefined;
});

const HANDOFF = {
  kind: 'worktrain.handoff',
  commitType: 'fix',
  commitScope: 'greeting',
  commitSubject: 'greet the world',
  prTitle: 'Greet the world',
  prBody: '## Summary\nAdds greeting.txt as the issue asks.\n',
  filesChanged: ['greeting.txt'],
};

describe('github_queue_poll issue -> session -> commit -> PR', () => {
  it('delivers a labelled issue as a pushed commit and a PR that fills the template and closes the issue', async () => {
    llm = await startScriptedLlmServer({
      script: [
        { toolCalls: [{ name: 'Write', input: { filePath: 'greeting.txt', content: 'hello world\n' } }] },
        completeStep(),
        { toolCalls: [{ name: 'complete_step', input: { notes: NOTES, artifacts: [HANDOFF] } }] },
      ],
    });
    forge = await startFakeForge();
    const { workspace, remote } = gitRemoteWorkspace(cleanups);
    const triggers = `triggers:
  - id: queue
    provider: github_queue_poll
    workflowId: ${WORKFLOW_ID}
    workspacePath: ${workspace}
    branchStrategy: worktree
    autoCommit: true
    autoPush: true
    autoOpenPR: true
    forge: { kind: github, repo: acme/widgets, token: $FORGE_TOKEN }
    agentConfig: { provider: anthropic, baseUrl: ${llm.anthropicBaseUrl}, apiKey: $LLM_KEY }
    source: { repo: acme/widgets, token: $FORGE_TOKEN, queueType: label, queueLabel: worktrain, pollIntervalSeconds: 3600 }
`;
    const { daemon, home } = await startTestDaemon(cleanups, {
      triggers,
      dotEnv: `LLM_KEY=${API_KEY}\nFORGE_TOKEN=${forge.token}\n`,
      env: { GITHUB_API_URL: forge.url },
    });
    forge.github.seedIssue('acme/widgets', { title: 'Not queued' });
    const issue = forge.github.seedIssue('acme/widgets', { title: 'Say hello to the world', labels: ['worktrain'] });

    const report = await daemon.pollers.pollNow('queue');
    expect(report.dispatched.map((d) => d.itemKey)).toEqual([`github:acme/widgets#${issue.number}`]);
    const id = report.dispatched[0]?.sessionId ?? '';
    const session = await waitForSession(daemon, id);
    expect(session).toMatchObject({
      outcome: 'success',
      goal: `Resolve GitHub issue #${issue.number}: Say hello to the world`,
    });
    const deadline = Date.now() + 30_000;
    while (daemon.core.sessions.find(id).kind === 'found' && session.delivery?.status !== 'completed') {
      if (Date.now() > deadline)
        throw new Error(`delivery of ${id} did not complete: ${JSON.stringify(session.delivery)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const branch = `worktrain/${id}`;
    expect(gitRemote(remote, 'log', '-1', '--format=%s', branch)).toBe('fix(greeting): greet the world');
    expect(gitRemote(remote, 'show', `${branch}:greeting.txt`)).toBe('hello world');
    expect(gitRemote(remote, 'diff', '--name-only', `main..${branch}`)).toBe('greeting.txt');
    const trailers = gitRemote(remote, 'log', '-1', '--format=%(trailers)', branch);
    expect(trailers).toContain(`Worktrain-Session: ${id}`);
    expect(trailers).toContain('Co-authored-by: WorkTrain <worktrain@noreply.local>');

    const pulls = forge.github.pulls('acme/widgets');
    expect(pulls).toHaveLength(1);
    const pr = pulls[0];
    expect(pr).toMatchObject({ title: '[WT] Greet the world', head: { ref: branch }, base: { ref: 'main' } });
    for (const heading of PR_TEMPLATE_HEADINGS) expect(pr?.body).toContain(heading);
    expect(pr?.body).toContain('Adds greeting.txt as the issue asks.');
    expect(pr?.body).toContain(`Closes #${issue.number}`);
    expect(pr?.body).toContain(`Session: ${id}`);
    expect(session.delivery).toMatchObject({ status: 'completed', prUrl: pr?.html_url });

    expect(existsSync(path.join(home, 'worktrees', id))).toBe(false);
    expect(daemon.pollers.ledger.get('queue', `github:acme/widgets#${issue.number}`)).toMatchObject({ state: 'done' });
    expect((await daemon.pollers.pollNow('queue')).dispatched).toEqual([]);
  }, 90_000);
});
