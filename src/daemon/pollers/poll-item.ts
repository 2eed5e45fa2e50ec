// What a provider's listing yields for the poll cycle (docs/worktrain.md §4.4): the item object as the forge API
// returns it (the template payload), its item and event keys, its context keys, and where to reach it later.
import type { JsonObject } from '../../workflow/types.js';

/** Enough to comment on (or label) the item again; stored in the ledger, so it holds no token. */
export type ItemRef =
  | { readonly forge: 'github'; readonly repo: string; readonly number: number }
  | { readonly forge: 'gitlab'; readonly kind: 'issues' | 'merge_requests'; readonly iid: number }
  | { readonly forge: 'jira'; readonly key: string };

export interface PollItem {
  readonly itemKey: string;
  /** Event-style providers dispatch once per event key; queue-style ones use the item key. */
  readonly eventKey: string;
  readonly payload: { readonly [key: string]: unknown };
  readonly context: JsonObject;
  /** ISO time; queue-style providers dispatch oldest first. */
  readonly createdAt: string;
  readonly ref: ItemRef;
}

export interface Listing {
  readonly items: readonly PollItem[];
  /** Why the listing stopped early (rate limit), logged as a warning. */
  readonly warning: string | null;
}

/** A forge answer that should delay the next poll: 403/429 with `Retry-After`. */
export class PollError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

export const MAX_PAGES = 5;
export const PAGE_SIZE = 100;

export const DEFAULT_GOALS = {
  github_issues_poll: 'Work on GitHub issue #{{$.number}}: {{$.title}}',
  github_prs_poll: 'Review PR #{{$.number}}: {{$.title}}',
  github_queue_poll: 'Resolve GitHub issue #{{$.number}}: {{$.title}}',
  gitlab_mr: 'Review MR !{{$.iid}}: {{$.title}}',
  gitlab_issue: 'Work on GitLab issue #{{$.iid}}: {{$.title}}',
  jira_poll: '{{$.key}}: {{$.fields.summary}}',
} as const;

export function labelNames(labels: unknown): string[] {
  if (!Array.isArray(labels)) return [];
  return labels.map((l) => (typeof l === 'string' ? l : String((l as { name?: unknown }).name ?? '')));
}

/** `labelFilter` (all required), `notLabels` (none allowed) and `excludeAuthors` (exact login). */
export function passesFilters(
  labels: readonly string[],
  author: string,
  filters: { labelFilter?: readonly string[]; notLabels?: readonly string[]; excludeAuthors?: readonly string[] },
): boolean {
  if ((filters.labelFilter ?? []).some((l) => !labels.includes(l))) return false;
  if ((filters.notLabels ?? []).some((l) => labels.includes(l))) return false;
  return !(filters.excludeAuthors ?? []).includes(author);
}
