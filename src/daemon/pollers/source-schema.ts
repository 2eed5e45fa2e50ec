// The `source` settings of each polling provider (docs/worktrain.md §4.2), checked with zod. `sourceIssues` feeds
// `trigger validate` (load-triggers.ts); `parseSource` gives the pollers the typed settings with defaults applied.
import { z } from 'zod';
import type { Trigger } from '../config/trigger.js';

export const POLL_PROVIDERS = [
  'github_issues_poll',
  'github_prs_poll',
  'github_queue_poll',
  'gitlab_poll',
  'jira_poll',
] as const;
export type PollProvider = (typeof POLL_PROVIDERS)[number];

export const MIN_POLL_INTERVAL_SECONDS = 10;
export const NEEDS_HUMAN_LABEL = 'worktrain:needs-human';

/** YAML sequences, or (3.x form) one whitespace-separated string. */
const stringList = z.preprocess(
  (value) => (typeof value === 'string' ? value.split(/\s+/).filter((part) => part !== '') : value),
  z.array(z.string()),
);
const interval = z
  .number({ error: `must be a number of seconds ≥ ${MIN_POLL_INTERVAL_SECONDS}` })
  .min(MIN_POLL_INTERVAL_SECONDS, { error: `must be at least ${MIN_POLL_INTERVAL_SECONDS} seconds` });
const repo = z.string({ error: 'is required' }).regex(/^[^/\s]+\/[^/\s]+$/, { error: 'must be owner/name' });
const token = z.string({ error: 'is required' }).min(1, { error: 'must not be empty' });
const httpUrl = z.string({ error: 'is required' }).regex(/^https?:\/\/\S+$/, { error: 'must be an http(s) URL' });

const common = {
  token,
  pollIntervalSeconds: interval.optional(),
  excludeAuthors: stringList.optional(),
  notLabels: stringList.optional(),
  labelFilter: stringList.optional(),
  backfill: z.boolean().optional(),
};

const githubIssues = z.strictObject({
  ...common,
  repo,
  baseUrl: httpUrl.optional(),
  events: stringList.optional(),
});
const githubPrs = z.strictObject({
  ...common,
  repo,
  baseUrl: httpUrl.optional(),
  events: z.array(z.enum(['pull_request.opened', 'pull_request.updated'])).optional(),
  reviewerLogin: z.string().optional(),
  includeDrafts: z.boolean().optional(),
});
const githubQueue = z.strictObject({
  token,
  repo,
  baseUrl: httpUrl.optional(),
  queueType: z.enum(['assignee', 'label', 'query']),
  queueUser: z.string().optional(),
  queueLabel: z.string().optional(),
  queueQuery: z.string().optional(),
  excludeLabels: stringList.optional(),
  pollIntervalSeconds: interval.optional(),
});
const gitlab = z.strictObject({
  ...common,
  baseUrl: httpUrl,
  projectId: z.union([z.string().min(1), z.number().int().positive()], { error: 'is required' }),
  items: z.enum(['merge_requests', 'issues']).optional(),
  events: stringList.optional(),
});
const jira = z.strictObject({
  baseUrl: httpUrl,
  token,
  email: z.string().optional(),
  jql: z.string().optional(),
  project: z.string().optional(),
  statusFilter: z.string().optional(),
  assigneeFilter: z.string().optional(),
  commentOnDelivery: z.boolean().optional(),
  transitionOnDelivery: z.string().optional(),
  pollIntervalSeconds: interval.optional(),
});

const SCHEMAS = {
  github_issues_poll: githubIssues.refine((s) => s.events === undefined || s.events.length > 0, {
    error: 'events must not be empty',
  }),
  github_prs_poll: githubPrs,
  github_queue_poll: githubQueue
    .refine((s) => s.queueType !== 'label' || s.queueLabel !== undefined, {
      error: 'queueLabel is required when queueType is label',
      path: ['queueLabel'],
    })
    .refine((s) => s.queueType !== 'query' || s.queueQuery !== undefined, {
      error: 'queueQuery is required when queueType is query',
      path: ['queueQuery'],
    }),
  gitlab_poll: gitlab,
  jira_poll: jira.refine((s) => s.jql !== undefined || s.project !== undefined, {
    error: 'needs jql, or project (with statusFilter and assigneeFilter)',
    path: ['jql'],
  }),
} as const;

export type GithubIssuesSource = z.output<typeof githubIssues>;
export type GithubPrsSource = z.output<typeof githubPrs>;
export type GithubQueueSource = z.output<typeof githubQueue>;
export type GitlabSource = z.output<typeof gitlab>;
export type JiraSource = z.output<typeof jira>;

export type PollSource =
  | { readonly provider: 'github_issues_poll'; readonly source: GithubIssuesSource }
  | { readonly provider: 'github_prs_poll'; readonly source: GithubPrsSource }
  | { readonly provider: 'github_queue_poll'; readonly source: GithubQueueSource }
  | { readonly provider: 'gitlab_poll'; readonly source: GitlabSource }
  | { readonly provider: 'jira_poll'; readonly source: JiraSource };

export function isPollProvider(provider: string): provider is PollProvider {
  return (POLL_PROVIDERS as readonly string[]).includes(provider);
}

/** The zod issues of `source` for `provider`, paths relative to `source`; none for non-polling providers. */
export function sourceIssues(provider: string, source: unknown): readonly z.core.$ZodIssue[] {
  if (!isPollProvider(provider)) return [];
  const parsed = SCHEMAS[provider].safeParse(source ?? {}, { reportInput: true });
  return parsed.success ? [] : parsed.error.issues;
}

/** The typed source of a polling trigger, or null when the trigger does not poll or its source is invalid. */
export function parseSource(trigger: Trigger): PollSource | null {
  const provider = trigger.provider;
  if (!isPollProvider(provider)) return null;
  const parsed = SCHEMAS[provider].safeParse(trigger.source);
  if (!parsed.success) return null;
  return { provider, source: parsed.data } as PollSource;
}

/** `pollIntervalSeconds`, else 60 s (300 s for queue-style providers), never below the minimum. */
export function pollIntervalMs(poll: PollSource): number {
  const fallback = poll.provider === 'github_queue_poll' || poll.provider === 'jira_poll' ? 300 : 60;
  return Math.max(MIN_POLL_INTERVAL_SECONDS, poll.source.pollIntervalSeconds ?? fallback) * 1000;
}

export function isQueueStyle(provider: PollProvider): boolean {
  return provider === 'github_queue_poll' || provider === 'jira_poll';
}
