import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listGithubPulls, listGithubQueue } from '../../../src/daemon/pollers/github-poll.js';
import { listGitlab } from '../../../src/daemon/pollers/gitlab-poll.js';
import { adfToText, jiraJql, listJira } from '../../../src/daemon/pollers/jira-poll.js';
import { type FakeForge, startFakeForge } from '../../support/fake-forge.js';

let forge: FakeForge;
beforeEach(async () => {
  forge = await startFakeForge();
});
afterEach(() => forge.close());

describe('poller listings', () => {
  it('gives PRs an event key with the head SHA and the PR context keys, dropping drafts and other reviewers', async () => {
    forge.github.seedPull('acme/api', { title: 'A', head: 'feat', sha: 'abc', reviewers: ['wt-bot'] });
    forge.github.seedPull('acme/api', { title: 'Draft', draft: true, reviewers: ['wt-bot'] });
    forge.github.seedPull('acme/api', { title: 'Other reviewer', reviewers: ['someone'] });
    const listing = await listGithubPulls(
      { repo: 'acme/api', token: forge.token, reviewerLogin: 'wt-bot' },
      forge.url,
      null,
      [],
    );
    expect(listing.items.map((i) => i.eventKey)).toEqual(['github:acme/api#1@abc']);
    expect(listing.items[0]?.context).toMatchObject({
      itemNumber: 1,
      itemTitle: 'A',
      prBranch: 'feat',
      prHeadSha: 'abc',
      prBaseBranch: 'main',
    });
  });

  it('keys a PR without its SHA when only pull_request.opened is configured', async () => {
    forge.github.seedPull('acme/api', { title: 'A', sha: 'abc' });
    const listing = await listGithubPulls(
      { repo: 'acme/api', token: forge.token, events: ['pull_request.opened'] },
      forge.url,
      null,
      [],
    );
    expect(listing.items.map((i) => i.eventKey)).toEqual(['github:acme/api#1']);
  });

  it('lists the assignee queue of the token user, without PRs or needs-human items', async () => {
    forge.github.seedIssue('acme/api', { title: 'Mine', assignee: 'worktrain-bot' });
    forge.github.seedIssue('acme/api', {
      title: 'Escalated',
      assignee: 'worktrain-bot',
      labels: ['worktrain:needs-human'],
    });
    forge.github.seedIssue('acme/api', { title: 'Theirs', assignee: 'bob' });
    const listing = await listGithubQueue(
      { repo: 'acme/api', token: forge.token, queueType: 'assignee' },
      forge.url,
      async () => 'worktrain-bot',
    );
    expect(listing.items.map((i) => i.context.itemTitle)).toEqual(['Mine']);
    expect(listing.items[0]?.context.queueType).toBe('assignee');
  });

  it('searches the query queue within the repo', async () => {
    forge.github.seedIssue('acme/api', { title: 'flaky login', labels: ['bug'] });
    forge.github.seedIssue('acme/api', { title: 'docs', labels: ['docs'] });
    const listing = await listGithubQueue(
      { repo: 'acme/api', token: forge.token, queueType: 'query', queueQuery: 'label:bug' },
      forge.url,
      async () => 'x',
    );
    expect(listing.items.map((i) => i.context.itemTitle)).toEqual(['flaky login']);
    expect(forge.calls[0]?.query.q).toBe('label:bug repo:acme/api is:issue is:open');
  });

  it('stops paging with a warning when the GitHub rate limit runs low', async () => {
    forge.github.rateLimitRemaining = 50;
    forge.github.seedPull('acme/api', { title: 'A' });
    const listing = await listGithubPulls({ repo: 'acme/api', token: forge.token }, forge.url, null, []);
    expect(listing.warning).toContain('rate limit');
  });

  it('reads at most 5 pages of 100', async () => {
    for (let i = 0; i < 520; i++) forge.github.seedIssue('acme/api', { title: `i${i}`, assignee: 'me' });
    const listing = await listGithubQueue(
      { repo: 'acme/api', token: forge.token, queueType: 'assignee', queueUser: 'me' },
      forge.url,
      async () => 'me',
    );
    expect(listing.items).toHaveLength(500);
    expect(forge.calls).toHaveLength(5);
  });

  it('lists GitLab MRs with the MR context keys', async () => {
    forge.gitlab.seedMr('g/p', { title: 'M', sha: 'fff', source_branch: 'b', author: 'carol' });
    const listing = await listGitlab({ baseUrl: forge.url, projectId: 'g/p', token: forge.token }, null, []);
    expect(listing.items[0]).toMatchObject({
      itemKey: 'gitlab:g/p!1',
      eventKey: 'gitlab:g/p!1@fff',
      context: { mrIid: 1, mrTitle: 'M', mrAuthorUsername: 'carol', prBranch: 'b' },
    });
  });

  it('lists Jira issues with plain-text descriptions and the issue context keys', async () => {
    forge.jira.seedIssue({
      key: 'ABC-1',
      summary: 'S',
      description: {
        type: 'doc',
        content: [
          { type: 'paragraph', content: [{ type: 'text', text: 'Line one' }] },
          { type: 'paragraph', content: [{ type: 'text', text: 'Line two' }] },
        ],
      },
    });
    const listing = await listJira({ baseUrl: forge.url, token: forge.token, jql: 'project = ABC' });
    expect(listing.items[0]?.context).toEqual({
      issueKey: 'ABC-1',
      issueSummary: 'S',
      issueDescription: 'Line one\nLine two',
      issueUrl: `${forge.url}/browse/ABC-1`,
      issueStatus: 'To Do',
    });
    expect(adfToText(null)).toBe('');
    expect(jiraJql({ baseUrl: 'http://x', token: 't', project: 'P' })).toBe(
      'project = "P" AND assignee = currentUser() ORDER BY created ASC',
    );
  });

  it('fails with the status when the token is wrong', async () => {
    await expect(listJira({ baseUrl: forge.url, token: 'wrong', jql: 'x' })).rejects.toThrow('Jira 401');
    await expect(
      listGithubPulls({ repo: 'acme/api', token: 'wrong', events: undefined }, forge.url, null, []),
    ).rejects.toThrow('401');
  });
});
