// One listing call per polling provider: picks the client and the settings, so the poll cycle is the same for all.
import type { Trigger } from '../config/trigger.js';
import { githubBaseUrl, githubLogin, listGithubIssues, listGithubPulls, listGithubQueue } from './github-poll.js';
import { gitlabGoal, listGitlab } from './gitlab-poll.js';
import { listJira } from './jira-poll.js';
import { DEFAULT_GOALS, type Listing } from './poll-item.js';
import type { PollSource } from './source-schema.js';

export interface ListContext {
  readonly env: { readonly [key: string]: string | undefined };
  /** ISO time the previous successful poll started (minus a skew margin), or null before the first. */
  readonly since: string | null;
  /** Caches the token's login for `queueType: assignee` without `queueUser`. */
  readonly loginCache: Map<string, string>;
}

export async function listItems(trigger: Trigger, poll: PollSource, ctx: ListContext): Promise<Listing> {
  const excludeAuthors = [
    ...((poll.source as { excludeAuthors?: string[] }).excludeAuthors ?? []),
    ...(Array.isArray(trigger.written.excludeAuthors) ? (trigger.written.excludeAuthors as string[]) : []),
  ];
  switch (poll.provider) {
    case 'github_issues_poll':
      return listGithubIssues(poll.source, githubBaseUrl(poll.source, ctx.env), ctx.since, excludeAuthors);
    case 'github_prs_poll':
      return listGithubPulls(poll.source, githubBaseUrl(poll.source, ctx.env), ctx.since, excludeAuthors);
    case 'github_queue_poll': {
      const baseUrl = githubBaseUrl(poll.source, ctx.env);
      const source = poll.source;
      return listGithubQueue(source, baseUrl, async () => {
        if (source.queueUser !== undefined) return source.queueUser;
        const cached = ctx.loginCache.get(`${baseUrl}|${source.token}`);
        if (cached !== undefined) return cached;
        const login = await githubLogin(source.token, baseUrl);
        ctx.loginCache.set(`${baseUrl}|${source.token}`, login);
        return login;
      });
    }
    case 'gitlab_poll':
      return listGitlab(poll.source, ctx.since, excludeAuthors);
    case 'jira_poll':
      return listJira(poll.source);
  }
}

/** The provider's default goal template (§4.4), used when the trigger sets neither `goal` nor `goalTemplate`. */
export function defaultGoalTemplate(poll: PollSource): string {
  return poll.provider === 'gitlab_poll' ? gitlabGoal(poll.source) : DEFAULT_GOALS[poll.provider];
}
