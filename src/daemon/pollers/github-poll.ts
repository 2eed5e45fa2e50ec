// GitHub listings for `github_issues_poll`, `github_prs_poll` and `github_queue_poll` (docs/worktrain.md §4.2),
// through Octokit at `GITHUB_API_URL`: at most 5 pages of 100, stopping early when fewer than 100
// requests remain in the rate limit.
import { Octokit } from '@octokit/rest';
import {
  type Listing,
  labelNames,
  MAX_PAGES,
  PAGE_SIZE,
  PollError,
  type PollItem,
  passesFilters,
} from './poll-item.js';
import type { GithubIssuesSource, GithubPrsSource, GithubQueueSource } from './source-schema.js';
import { NEEDS_HUMAN_LABEL } from './source-schema.js';

type Json = { [key: string]: unknown };
const RATE_LIMIT_FLOOR = 100;
const SILENT = { debug() {}, info() {}, warn() {}, error() {} };

export function githubClient(token: string, baseUrl: string): Octokit {
  return new Octokit({ auth: token, baseUrl: baseUrl.replace(/\/+$/, ''), log: SILENT });
}

export function githubBaseUrl(source: { baseUrl?: string | undefined }, env: { [key: string]: string | undefined }) {
  return source.baseUrl ?? env.GITHUB_API_URL ?? 'https://api.github.com';
}

/** Up to 5 pages of `route`; a rate limit below 100 stops the paging with a warning. */
async function pages(
  octokit: Octokit,
  route: string,
  params: Json,
  itemsOf: (data: unknown) => Json[] = (data) => data as Json[],
): Promise<{ items: Json[]; warning: string | null }> {
  const items: Json[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    let response: { data: unknown; headers: { [name: string]: string | number | undefined } };
    try {
      response = await octokit.request(route, { ...params, per_page: PAGE_SIZE, page });
    } catch (error) {
      throw githubError(error);
    }
    const batch = itemsOf(response.data);
    items.push(...batch);
    const remaining = Number(response.headers['x-ratelimit-remaining']);
    if (Number.isFinite(remaining) && remaining < RATE_LIMIT_FLOOR) {
      return { items, warning: `GitHub rate limit low (${remaining} requests left); cycle ended early` };
    }
    if (batch.length < PAGE_SIZE) break;
  }
  return { items, warning: null };
}

function githubError(error: unknown): PollError {
  const e = error as { status?: number; message?: string; response?: { headers?: { [name: string]: unknown } } };
  const retryAfter = Number(e.response?.headers?.['retry-after']);
  const status = e.status === undefined ? '' : `GitHub ${e.status}: `;
  return new PollError(
    `${status}${e.message ?? String(error)}`,
    (e.status === 403 || e.status === 429) && Number.isFinite(retryAfter) ? retryAfter * 1000 : null,
  );
}

function issueContext(issue: Json) {
  return {
    itemId: String(issue.id ?? ''),
    itemNumber: Number(issue.number),
    itemTitle: String(issue.title ?? ''),
    itemBody: String(issue.body ?? ''),
    itemUrl: String(issue.html_url ?? ''),
    itemUpdatedAt: String(issue.updated_at ?? ''),
    itemAuthorLogin: String((issue.user as Json | null)?.login ?? ''),
    itemLabels: labelNames(issue.labels),
  };
}

function issueItem(repo: string, issue: Json, extra: { [key: string]: string } = {}): PollItem {
  const key = `github:${repo}#${issue.number}`;
  return {
    itemKey: key,
    eventKey: key,
    payload: issue,
    context: { ...issueContext(issue), ...extra },
    createdAt: String(issue.created_at ?? ''),
    ref: { forge: 'github', repo, number: Number(issue.number) },
  };
}

export async function listGithubIssues(
  source: GithubIssuesSource,
  baseUrl: string,
  since: string | null,
  excludeAuthors: readonly string[],
): Promise<Listing> {
  const [owner, repo] = source.repo.split('/');
  const listed = await pages(githubClient(source.token, baseUrl), 'GET /repos/{owner}/{repo}/issues', {
    owner,
    repo,
    state: 'open',
    sort: 'updated',
    direction: 'desc',
    ...(since === null ? {} : { since }),
    ...(source.labelFilter?.length ? { labels: source.labelFilter.join(',') } : {}),
  });
  const items = listed.items
    .filter((issue) => issue.pull_request === undefined)
    .filter((issue) =>
      passesFilters(labelNames(issue.labels), String((issue.user as Json | null)?.login ?? ''), {
        ...source,
        excludeAuthors,
      }),
    )
    .map((issue) => issueItem(source.repo, issue));
  return { items, warning: listed.warning };
}

export async function listGithubPulls(
  source: GithubPrsSource,
  baseUrl: string,
  since: string | null,
  excludeAuthors: readonly string[],
): Promise<Listing> {
  const [owner, repo] = source.repo.split('/');
  const listed = await pages(githubClient(source.token, baseUrl), 'GET /repos/{owner}/{repo}/pulls', {
    owner,
    repo,
    state: 'open',
    sort: 'updated',
    direction: 'desc',
  });
  const perPush = (source.events ?? ['pull_request.opened', 'pull_request.updated']).includes('pull_request.updated');
  const items = listed.items
    .filter((pr) => since === null || String(pr.updated_at) > since)
    .filter((pr) => source.includeDrafts === true || pr.draft !== true)
    .filter(
      (pr) =>
        source.reviewerLogin === undefined ||
        ((pr.requested_reviewers as Json[] | undefined) ?? []).some((r) => r.login === source.reviewerLogin),
    )
    .filter((pr) =>
      passesFilters(labelNames(pr.labels), String((pr.user as Json | null)?.login ?? ''), {
        ...source,
        excludeAuthors,
      }),
    )
    .map((pr): PollItem => {
      const head = pr.head as Json;
      const base = issueItem(source.repo, pr, {
        prBranch: String(head.ref ?? ''),
        prHeadSha: String(head.sha ?? ''),
        prBaseBranch: String((pr.base as Json).ref ?? ''),
      });
      return { ...base, eventKey: perPush ? `${base.itemKey}@${head.sha}` : base.itemKey };
    });
  return { items, warning: listed.warning };
}

export async function listGithubQueue(
  source: GithubQueueSource,
  baseUrl: string,
  queueUser: () => Promise<string>,
): Promise<Listing> {
  const [owner, repo] = source.repo.split('/');
  const octokit = githubClient(source.token, baseUrl);
  let listed: { items: Json[]; warning: string | null };
  if (source.queueType === 'query') {
    const q = `${source.queueQuery ?? ''} repo:${source.repo} is:issue is:open`.trim();
    listed = await pages(octokit, 'GET /search/issues', { q }, (data) => (data as { items: Json[] }).items);
  } else {
    const filter = source.queueType === 'label' ? { labels: source.queueLabel ?? '' } : { assignee: await queueUser() };
    listed = await pages(octokit, 'GET /repos/{owner}/{repo}/issues', { owner, repo, state: 'open', ...filter });
  }
  const excluded = source.excludeLabels ?? [NEEDS_HUMAN_LABEL];
  const items = listed.items
    .filter((issue) => issue.pull_request === undefined)
    .filter((issue) => !labelNames(issue.labels).some((l) => excluded.includes(l)))
    .map((issue) => issueItem(source.repo, issue, { queueType: source.queueType }));
  return { items, warning: listed.warning };
}

/** The token's login (`GET /user`), the default `queueUser`. */
export async function githubLogin(token: string, baseUrl: string): Promise<string> {
  try {
    return (await githubClient(token, baseUrl).rest.users.getAuthenticated()).data.login;
  } catch (error) {
    throw githubError(error);
  }
}
