// Writes back to the forge about one item (docs/worktrain.md §7.2, §4.2): the escalation label and comment, and
// the Jira comment and transition after a PR opens. Callers log failures; none of these can fail a session.
import { githubBaseUrl, githubClient } from './github-poll.js';
import { gitlabClient, gitlabError } from './gitlab-poll.js';
import { jiraComment, jiraTransition } from './jira-poll.js';
import type { ItemRef } from './poll-item.js';
import { NEEDS_HUMAN_LABEL, type PollSource } from './source-schema.js';

export function escalationText(attempts: number, lastOutcome: string | null): string {
  return (
    `WorkTrain gave up on this item after ${attempts} failed attempt${attempts === 1 ? '' : 's'} ` +
    `(last outcome: ${lastOutcome ?? 'unknown'}) and needs a human. ` +
    'Run `worktrain trigger retry` to try again.'
  );
}

/** GitHub: label `worktrain:needs-human` and a comment; GitLab and Jira: a comment. */
export async function escalateItem(
  poll: PollSource,
  ref: ItemRef,
  text: string,
  env: { readonly [key: string]: string | undefined },
): Promise<void> {
  if (ref.forge === 'github' && 'repo' in poll.source) {
    const octokit = githubClient(poll.source.token, githubBaseUrl(poll.source, env));
    const [owner = '', repo = ''] = ref.repo.split('/');
    await octokit.rest.issues.addLabels({ owner, repo, issue_number: ref.number, labels: [NEEDS_HUMAN_LABEL] });
    await octokit.rest.issues.createComment({ owner, repo, issue_number: ref.number, body: text });
    return;
  }
  await commentOn(poll, ref, text);
}

export async function commentOn(poll: PollSource, ref: ItemRef, text: string): Promise<void> {
  if (ref.forge === 'gitlab' && poll.provider === 'gitlab_poll') {
    const api = gitlabClient(poll.source);
    try {
      if (ref.kind === 'issues') await api.IssueNotes.create(poll.source.projectId, ref.iid, text);
      else await api.MergeRequestNotes.create(poll.source.projectId, ref.iid, text);
    } catch (error) {
      throw gitlabError(error);
    }
    return;
  }
  if (ref.forge === 'jira' && poll.provider === 'jira_poll') {
    await jiraComment(poll.source, ref.key, text);
    return;
  }
}

/** Jira after a PR opens: comment its URL (unless `commentOnDelivery: false`) and apply `transitionOnDelivery`. */
export async function noteJiraDelivery(poll: PollSource, ref: ItemRef, prUrl: string): Promise<string | null> {
  if (poll.provider !== 'jira_poll' || ref.forge !== 'jira') return null;
  if (poll.source.commentOnDelivery !== false) await jiraComment(poll.source, ref.key, `WorkTrain opened ${prUrl}`);
  const status = poll.source.transitionOnDelivery;
  if (status !== undefined && !(await jiraTransition(poll.source, ref.key, status))) {
    return `no transition to "${status}" is available for ${ref.key}`;
  }
  return null;
}
