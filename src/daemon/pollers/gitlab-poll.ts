// GitLab listing for `gitlab_poll` (docs/worktrain.md §4.2) through gitbeaker: open merge requests or issues
// updated since the last poll, at most 5 pages of 100.
import { Gitlab } from '@gitbeaker/rest';
import {
  DEFAULT_GOALS,
  type Listing,
  labelNames,
  MAX_PAGES,
  PAGE_SIZE,
  PollError,
  type PollItem,
  passesFilters,
} from './poll-item.js';
import type { GitlabSource } from './source-schema.js';

type Json = { [key: string]: unknown };

export function gitlabClient(source: { baseUrl: string; token: string }) {
  return new Gitlab({ host: source.baseUrl.replace(/\/+$/, ''), token: source.token });
}

export function gitlabError(error: unknown): PollError {
  const e = error as { message?: string; cause?: { response?: { status?: number; headers?: Headers } } };
  const status = e.cause?.response?.status;
  const retryAfter = Number(e.cause?.response?.headers?.get?.('retry-after'));
  return new PollError(
    `${status === undefined ? '' : `GitLab ${status}: `}${e.message ?? String(error)}`,
    status === 429 && Number.isFinite(retryAfter) ? retryAfter * 1000 : null,
  );
}

export function gitlabGoal(source: GitlabSource): string {
  return (source.items ?? 'merge_requests') === 'merge_requests' ? DEFAULT_GOALS.gitlab_mr : DEFAULT_GOALS.gitlab_issue;
}

export async function listGitlab(
  source: GitlabSource,
  since: string | null,
  excludeAuthors: readonly string[],
): Promise<Listing> {
  const api = gitlabClient(source);
  const kind = source.items ?? 'merge_requests';
  const options = {
    projectId: source.projectId,
    state: 'opened' as const,
    orderBy: 'updated_at' as const,
    perPage: PAGE_SIZE,
    maxPages: MAX_PAGES,
    ...(since === null ? {} : { updatedAfter: since }),
    ...(source.labelFilter?.length ? { labels: source.labelFilter.join(',') } : {}),
  };
  let listed: Json[];
  try {
    listed = (kind === 'merge_requests'
      ? await api.MergeRequests.all(options)
      : await api.Issues.all(options)) as unknown as Json[];
  } catch (error) {
    throw gitlabError(error);
  }
  const project = String(source.projectId);
  const perPush = (source.events ?? ['merge_request.opened', 'merge_request.updated']).includes(
    'merge_request.updated',
  );
  const items = listed
    .filter((item) =>
      passesFilters(labelNames(item.labels), String((item.author as Json | null)?.username ?? ''), {
        ...source,
        excludeAuthors,
      }),
    )
    .map((item): PollItem => {
      const iid = Number(item.iid);
      const author = String((item.author as Json | null)?.username ?? '');
      if (kind === 'issues') {
        const key = `gitlab:${project}#${iid}`;
        return {
          itemKey: key,
          eventKey: key,
          payload: item,
          context: {
            itemIid: iid,
            itemTitle: String(item.title ?? ''),
            itemBody: String(item.description ?? ''),
            itemUrl: String(item.web_url ?? ''),
            itemAuthorUsername: author,
          },
          createdAt: String(item.created_at ?? ''),
          ref: { forge: 'gitlab', kind, iid },
        };
      }
      const key = `gitlab:${project}!${iid}`;
      return {
        itemKey: key,
        eventKey: perPush ? `${key}@${String(item.sha ?? '')}` : key,
        payload: item,
        context: {
          mrId: String(item.id ?? ''),
          mrIid: iid,
          mrTitle: String(item.title ?? ''),
          mrUrl: String(item.web_url ?? ''),
          mrUpdatedAt: String(item.updated_at ?? ''),
          mrAuthorUsername: author,
          prBranch: String(item.source_branch ?? ''),
        },
        createdAt: String(item.created_at ?? ''),
        ref: { forge: 'gitlab', kind, iid },
      };
    });
  return { items, warning: null };
}
