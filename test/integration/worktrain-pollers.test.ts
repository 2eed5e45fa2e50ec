import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/worktrain.js';
import { type RunningDaemon, startDaemon } from '../../src/daemon/daemon.js';
import { type FakeForge, startFakeForge } from '../support/fake-forge.js';
import {
  API_KEY,
  type Script,
  type ScriptedLlmServer,
  startScriptedLlmServer,
} from '../support/scripted-llm-server.js';
import {
  completeStep,
  gitWorkspace,
  startTestDaemon,
  WORKFLOW_ID,
  waitForSession,
} from '../support/worktrain-harness.js';

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

const succeed: Script = () => completeStep();

async function setup(source: string, options: { provider?: string; extra?: string; script?: Script } = {}) {
  llm = await startScriptedLlmServer({ script: options.script ?? succeed });
  forge = await startFakeForge();
  const ws = gitWorkspace(cleanups);
  const triggers = `triggers:
  - id: poller
    provider: ${options.provider ?? 'github_issues_poll'}
    workflowId: ${WORKFLOW_ID}
    workspacePath: ${ws}
    agentConfig: { provider: anthropic, baseUrl: ${llm.anthropicBaseUrl}, apiKey: $LLM_KEY }
    source: ${source}
${options.extra ?? ''}`;
  const test = await startTestDaemon(cleanups, {
    triggers,
    dotEnv: `LLM_KEY=${API_KEY}\nFORGE_TOKEN=${forge.token}\nFORGE_URL=${forge.url}\n`,
    env: { GITHUB_API_URL: forge.url },
  });
  return { ...test, forge, llm, ws };
}

async function pollAndRun(daemon: RunningDaemon, triggerId = 'poller') {
  const report = await daemon.pollers.pollNow(triggerId);
  const sessions = [];
  for (const d of report.dispatched) sessions.push(await waitForSession(daemon, d.sessionId));
  return { report, sessions };
}

describe('github_issues_poll', () => {
  it('marks existing issues seen on the first poll and dispatches each new issue once', async () => {
    const { daemon, forge } = await setup('{ repo: acme/api, token: $FORGE_TOKEN, pollIntervalSeconds: 3600 }');
    forge.github.seedIssue('acme/api', { title: 'Old issue' });
    expect((await daemon.pollers.pollNow('poller')).dispatched).toEqual([]);

    forge.github.seedIssue('acme/api', { title: 'Login is flaky', labels: ['bug'] });
    forge.github.seedPull('acme/api', { title: 'Not an issue' });
    const { report, sessions } = await pollAndRun(daemon);
    expect(report.dispatched.map((d) => d.itemKey)).toEqual(['github:acme/api#2']);
    expect(sessions[0]).toMatchObject({ outcome: 'success', goal: 'Work on GitHub issue #2: Login is flaky' });
    expect(daemon.pollers.ledger.get('poller', 'github:acme/api#2')).toMatchObject({ state: 'done', attempts: 0 });
    const fired = daemon.core.events.since(0).filter((e) => e.kind === 'trigger_fired');
    expect(fired.map((e) => [e.source, e.itemKey])).toEqual([['poll', 'github:acme/api#2']]);

    expect((await daemon.pollers.pollNow('poller')).dispatched).toEqual([]);
    expect(forge.callsTo('GET', /\/repos\/acme\/api\/issues$/).at(-1)?.query.since).toBeDefined();
  });

  it('dispatches existing issues on the first poll with backfill: true, without filtered ones', async () => {
    const { daemon, forge } = await setup(
      '{ repo: acme/api, token: $FORGE_TOKEN, backfill: true, notLabels: [wontfix], excludeAuthors: [dependabot] }',
    );
    forge.github.seedIssue('acme/api', { title: 'Old issue' });
    forge.github.seedIssue('acme/api', { title: 'Skip me', labels: ['wontfix'] });
    forge.github.seedIssue('acme/api', { title: 'Bot issue', user: 'dependabot' });
    const { report } = await pollAndRun(daemon);
    expect(report.dispatched.map((d) => d.itemKey)).toEqual(['github:acme/api#1']);
  });

  it('skips polling while the trigger is paused', async () => {
    const { daemon, forge } = await setup('{ repo: acme/api, token: $FORGE_TOKEN, backfill: true }');
    forge.github.seedIssue('acme/api', { title: 'Old issue' });
    daemon.core.killSwitch('poller');
    const report = await daemon.pollers.pollNow('poller');
    expect(report).toMatchObject({ status: 'skipped', reason: 'paused', dispatched: [] });
    expect(forge.calls).toEqual([]);
  });

  it('reports poll_failed and doubles the interval per consecutive failure, then recovers', async () => {
    const { daemon, forge } = await setup('{ repo: acme/api, token: $FORGE_TOKEN, pollIntervalSeconds: 60 }');
    forge.failNext('GET', /\/issues$/, 500, { count: 2 });
    const first = await daemon.pollers.pollNow('poller');
    expect(first).toMatchObject({ status: 'failed', nextDelayMs: 120_000 });
    expect(first.error).toContain('500');
    expect((await daemon.pollers.pollNow('poller')).nextDelayMs).toBe(240_000);
    expect(daemon.core.events.since(0).filter((e) => e.kind === 'poll_failed')).toHaveLength(2);
    expect(daemon.pollers.state.get('poller').lastPollAt).toBeNull();
    expect(await daemon.pollers.pollNow('poller')).toMatchObject({ status: 'polled', nextDelayMs: 60_000 });
  });
});

describe('github_prs_poll', () => {
  it('re-dispatches a PR when its head SHA changes, once per SHA', async () => {
    const { daemon, forge } = await setup('{ repo: acme/api, token: $FORGE_TOKEN }', { provider: 'github_prs_poll' });
    const pull = forge.github.seedPull('acme/api', { title: 'Add cache', head: 'feature/cache', sha: 'aaa111' });
    expect((await daemon.pollers.pollNow('poller')).dispatched).toEqual([]);

    pull.head.sha = 'bbb222';
    pull.updated_at = new Date(Date.now() + 1000).toISOString();
    const { report, sessions } = await pollAndRun(daemon);
    expect(report.dispatched.map((d) => d.itemKey)).toEqual(['github:acme/api#1']);
    expect(sessions[0]?.goal).toBe('Review PR #1: Add cache');
    expect((await daemon.pollers.pollNow('poller')).dispatched).toEqual([]);
  });
});

describe('gitlab_poll', () => {
  it('dispatches new merge requests once per head SHA, with the MR context keys', async () => {
    const { daemon, forge } = await setup(
      '{ baseUrl: $FORGE_URL, projectId: group/proj, token: $FORGE_TOKEN, pollIntervalSeconds: 3600 }',
      { provider: 'gitlab_poll' },
    );
    forge.gitlab.seedMr('group/proj', { title: 'Old MR' });
    expect((await daemon.pollers.pollNow('poller')).dispatched).toEqual([]);
    forge.gitlab.seedMr('group/proj', { title: 'Faster build', source_branch: 'speed', sha: 'ccc333' });
    const { report, sessions } = await pollAndRun(daemon);
    expect(report.dispatched.map((d) => d.itemKey)).toEqual(['gitlab:group/proj!2']);
    expect(sessions[0]).toMatchObject({ outcome: 'success', goal: 'Review MR !2: Faster build' });
    expect((await daemon.pollers.pollNow('poller')).dispatched).toEqual([]);
    expect(forge.calls.at(-1)?.path).toBe('/api/v4/projects/group%2Fproj/merge_requests');
  });

  it('dispatches GitLab issues with backfill and a numeric project id', async () => {
    const { daemon, forge } = await setup(
      '{ baseUrl: $FORGE_URL, projectId: 1, token: $FORGE_TOKEN, items: issues, backfill: true }',
      { provider: 'gitlab_poll' },
    );
    forge.gitlab.seedIssue('group/proj', { title: 'Broken link' });
    const { report, sessions } = await pollAndRun(daemon);
    expect(report.dispatched.map((d) => d.itemKey)).toEqual(['gitlab:1#1']);
    expect(sessions[0]?.goal).toBe('Work on GitLab issue #1: Broken link');
  });
});

describe('jira_poll', () => {
  it('dispatches the queue oldest first, once, and comments and transitions when a PR opens', async () => {
    const { daemon, forge } = await setup(
      '{ baseUrl: $FORGE_URL, token: $FORGE_TOKEN, email: bot@example.com, project: ABC, statusFilter: "To Do", transitionOnDelivery: In Review }',
      { provider: 'jira_poll' },
    );
    forge.jira.seedIssue({ key: 'ABC-2', summary: 'Second', created: '2025-01-02T00:00:00.000Z' });
    forge.jira.seedIssue({
      key: 'ABC-1',
      summary: 'First',
      created: '2025-01-01T00:00:00.000Z',
      description: { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Steps here' }] }] },
    });
    forge.jira.seedIssue({ key: 'XYZ-1', summary: 'Other project' });
    const first = await pollAndRun(daemon);
    expect(first.report.dispatched.map((d) => d.itemKey)).toEqual(['jira:ABC-1']);
    expect(first.sessions[0]?.goal).toBe('ABC-1: First');
    expect(forge.calls.find((c) => c.path === '/rest/api/3/search/jql')?.query.jql).toBe(
      'project = "ABC" AND status = "To Do" AND assignee = currentUser() ORDER BY created ASC',
    );

    const second = await pollAndRun(daemon);
    expect(second.report.dispatched.map((d) => d.itemKey)).toEqual(['jira:ABC-2']);
    const sessionId = second.report.dispatched[0]?.sessionId ?? '';
    daemon.core.events.emit('delivery_completed', { sessionId, prUrl: 'https://github.example/acme/api/pull/9' });
    await daemon.pollers.settled();
    expect(forge.jira.issue('ABC-2')?.comments).toHaveLength(1);
    expect(JSON.stringify(forge.jira.issue('ABC-2')?.comments)).toContain('https://github.example/acme/api/pull/9');
    expect(forge.jira.issue('ABC-2')?.fields.status.name).toBe('In Review');
    expect((await daemon.pollers.pollNow('poller')).dispatched).toEqual([]);
  });
});

describe('item ledger and escalation', () => {
  it('escalates a queue item after 3 failed sessions with a label and a comment, and keeps it across a restart', async () => {
    const { daemon, forge, home } = await setup(
      '{ repo: acme/api, token: $FORGE_TOKEN, queueType: label, queueLabel: worktrain }',
      { provider: 'github_queue_poll', script: () => ({ status: 400 }) },
    );
    forge.github.seedIssue('acme/api', { title: 'Hard bug', labels: ['worktrain'] });
    for (let attempt = 1; attempt <= 3; attempt++) {
      const { report, sessions } = await pollAndRun(daemon);
      expect(report.dispatched.map((d) => d.itemKey)).toEqual(['github:acme/api#1']);
      expect(sessions[0]?.outcome).toBe('error');
    }
    expect(daemon.pollers.ledger.get('poller', 'github:acme/api#1')).toMatchObject({
      state: 'needs_human',
      attempts: 3,
      lastOutcome: 'error',
    });
    await daemon.pollers.settled();
    const issue = forge.github.issue('acme/api', 1);
    expect(issue?.labels.map((l) => l.name)).toContain('worktrain:needs-human');
    expect(issue?.comments_list[0]?.body).toContain('3 failed attempts');
    expect(daemon.core.events.since(0).find((e) => e.kind === 'item_escalated')).toMatchObject({
      itemKey: 'github:acme/api#1',
      attempts: 3,
    });
    expect((await daemon.pollers.pollNow('poller')).dispatched).toEqual([]);

    await daemon.stop();
    const again = await restartDaemon(home, forge);
    expect(again.pollers.ledger.get('poller', 'github:acme/api#1')).toMatchObject({
      state: 'needs_human',
      attempts: 3,
    });
    const env = { PATH: process.env.PATH ?? '', HOME: home, WORKRAIL_HOME: home };
    const out: string[] = [];
    const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => out.push(t), env, cwd: home };
    expect(await main(['trigger', 'retry', 'poller', 'github:acme/api#9'], io, async () => undefined)).toBe(1);
    expect(await main(['trigger', 'retry', 'poller', 'github:acme/api#1'], io, async () => undefined)).toBe(0);
    expect(out.join('')).toContain('needs_human (3 attempts) -> new (0 attempts)');
    expect(again.pollers.ledger.get('poller', 'github:acme/api#1')).toMatchObject({ state: 'new', attempts: 0 });
  });
});

async function restartDaemon(home: string, fake: FakeForge): Promise<RunningDaemon> {
  const started = await startDaemon({
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      WORKRAIL_HOME: home,
      WORKFLOW_INCLUDE_USER: 'false',
      GITHUB_API_URL: fake.url,
    },
    port: 0,
    logDestination: new Writable({ write: (_chunk, _encoding, callback) => callback() }),
  });
  if (!started.ok) throw new Error(started.message);
  cleanups.push(() => started.daemon.stop());
  return started.daemon;
}
