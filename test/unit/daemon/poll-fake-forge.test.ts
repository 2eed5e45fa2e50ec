import { Gitlab } from '@gitbeaker/rest';
import { Octokit } from '@octokit/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeForge, startFakeForge } from '../../support/fake-forge.js';

let forge: FakeForge;
beforeEach(async () => {
  forge = await startFakeForge();
});
afterEach(() => forge.close());

describe('fake forge (GitHub)', () => {
  it('creates a PR, answers 422 for a second PR from the same head, and lists it by head', async () => {
    const octokit = new Octokit({ auth: forge.token, baseUrl: forge.url });
    const created = await octokit.rest.pulls.create({
      owner: 'acme',
      repo: 'api',
      title: 't',
      head: 'wt/1',
      base: 'main',
      body: 'b',
      draft: true,
    });
    expect(created.status).toBe(201);
    expect(created.data.html_url).toContain('/acme/api/pull/');
    await expect(
      octokit.rest.pulls.create({ owner: 'acme', repo: 'api', title: 't', head: 'wt/1', base: 'main' }),
    ).rejects.toMatchObject({ status: 422 });
    const listed = await octokit.rest.pulls.list({ owner: 'acme', repo: 'api', head: 'acme:wt/1', state: 'open' });
    expect(listed.data.map((p) => p.number)).toEqual([created.data.number]);
    expect(forge.github.pulls('acme/api')[0]).toMatchObject({ draft: true, body: 'b' });
  });

  it('refuses a wrong token with 401 and records every call', async () => {
    const octokit = new Octokit({ auth: 'nope', baseUrl: forge.url });
    await expect(octokit.rest.users.getAuthenticated()).rejects.toMatchObject({ status: 401 });
    expect(forge.calls.map((c) => c.path)).toEqual(['/user']);
  });

  it('labels and comments an issue, fails a chosen call, and filters issues by label', async () => {
    const octokit = new Octokit({ auth: forge.token, baseUrl: forge.url });
    forge.github.seedIssue('acme/api', { title: 'one', labels: ['bug'] });
    forge.github.seedIssue('acme/api', { title: 'two' });
    const bugs = await octokit.rest.issues.listForRepo({ owner: 'acme', repo: 'api', labels: 'bug' });
    expect(bugs.data.map((i) => i.title)).toEqual(['one']);
    await octokit.rest.issues.addLabels({ owner: 'acme', repo: 'api', issue_number: 2, labels: ['x'] });
    await octokit.rest.issues.createComment({ owner: 'acme', repo: 'api', issue_number: 2, body: 'hi' });
    expect(forge.github.issue('acme/api', 2)).toMatchObject({
      labels: [{ name: 'x' }],
      comments_list: [{ body: 'hi' }],
    });
    forge.failNext('GET', /\/issues$/, 500);
    await expect(octokit.rest.issues.listForRepo({ owner: 'acme', repo: 'api' })).rejects.toMatchObject({
      status: 500,
    });
    expect((await octokit.rest.issues.listForRepo({ owner: 'acme', repo: 'api' })).data).toHaveLength(2);
  });
});

describe('fake forge (GitLab)', () => {
  it('creates an MR, answers 409 for the same source branch, and lists it by source branch', async () => {
    const gitlab = new Gitlab({ host: forge.url, token: forge.token });
    const mr = await gitlab.MergeRequests.create('group/proj', 'wt/1', 'main', 'title', { description: 'd' });
    expect(mr.web_url).toContain('/group/proj/-/merge_requests/');
    await expect(gitlab.MergeRequests.create('group/proj', 'wt/1', 'main', 'title')).rejects.toMatchObject({
      cause: { response: { status: 409 } },
    });
    const listed = await gitlab.MergeRequests.all({
      projectId: forge.gitlab.projectId('group/proj'),
      sourceBranch: 'wt/1',
      state: 'opened',
    });
    expect(listed.map((m) => m.iid)).toEqual([mr.iid]);
  });
});
