// The shape of one trigger in triggers.yml (docs/worktrain.md §3.4, §3.5, §3.7), checked with zod. Defaults are
// not applied here: `resolveTrigger` (triggers.ts) fills them from DEFAULTS so each is stated once.
import { z } from 'zod';
import { DEFAULTS } from '../defaults.js';

export const PROVIDERS = [
  'generic',
  'github_issues_poll',
  'github_prs_poll',
  'github_queue_poll',
  'gitlab_poll',
  'jira_poll',
  'schedule',
] as const;
export const BRANCH_STRATEGIES = ['none', 'worktree', 'read-only'] as const;

const positiveInt = (hint: string) => z.number({ error: hint }).int({ error: hint }).positive({ error: hint });
const positiveNumber = (hint: string) => z.number({ error: hint }).positive({ error: hint });
const ref = z
  .string()
  .regex(/^[A-Za-z0-9._/-]+$/, { error: 'must use only A-Z a-z 0-9 . _ / -' })
  .refine((value) => !value.startsWith('-'), { error: 'must not start with -' });
const httpUrl = z.string().regex(/^https?:\/\/\S+$/, { error: 'must be an http(s) URL' });
/** YAML sequences, or (3.x form) one whitespace-separated string. */
const stringList = z.preprocess(
  (value) => (typeof value === 'string' ? value.split(/\s+/).filter((part) => part !== '') : value),
  z.array(z.string()),
);

const condition = z
  .strictObject({
    payloadPath: z.string().regex(/^\$(\.|\[|$)/, { error: 'must be a JSON path starting with $' }),
    equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
    in: z.array(z.union([z.string(), z.number(), z.boolean()])).optional(),
    exists: z.boolean().optional(),
  })
  .refine((c) => [c.equals, c.in, c.exists].filter((op) => op !== undefined).length === 1, {
    error: 'needs exactly one of equals, in, exists',
  });

export const agentConfigSchema = z.strictObject({
  provider: z.enum(['anthropic', 'openai']).optional(),
  model: z.string().min(1).optional(),
  modelTier: z.enum(['lightweight', 'mid', 'heavy']).optional(),
  baseUrl: httpUrl.optional(),
  apiKey: z.string().optional(),
  maxSessionMinutes: positiveNumber(
    `must be a positive number of minutes (default ${DEFAULTS.maxSessionMinutes})`,
  ).optional(),
  maxTurns: positiveInt(`must be a positive integer (default ${DEFAULTS.maxTurns})`).optional(),
  stallTimeoutSeconds: positiveNumber(
    `must be a positive number of seconds (default ${DEFAULTS.stallTimeoutSeconds})`,
  ).optional(),
  maxOutputTokens: positiveInt(`must be a positive integer (default ${DEFAULTS.maxOutputTokens})`).optional(),
  stuckAbortPolicy: z.enum(['abort', 'notify_only']).optional(),
  noProgressAbort: z.boolean().optional(),
  maxSubagentDepth: z.number().int().min(0).max(3).optional(),
});

export const triggerSchema = z.strictObject({
  id: z.string({ error: 'is required' }).regex(/^[a-zA-Z0-9_-]+$/, { error: 'must match ^[a-zA-Z0-9_-]+$' }),
  provider: z.enum(PROVIDERS),
  workflowId: z.string().min(1).optional(),
  workspacePath: z.string().startsWith('/', { error: 'must be an absolute path' }).optional(),
  workspaceName: z.string().min(1).optional(),
  goal: z.string().min(1).optional(),
  goalTemplate: z.string().min(1).optional(),
  contextMapping: z.record(z.string(), z.string()).optional(),
  referenceUrls: z.array(httpUrl).optional(),
  soulFile: z.string().min(1).optional(),
  hmacSecret: z.string().min(1).optional(),
  dispatchCondition: z.union([condition, z.array(condition)]).optional(),
  branchStrategy: z.enum(BRANCH_STRATEGIES).optional(),
  baseBranch: ref.optional(),
  branchPrefix: ref.optional(),
  autoCommit: z.boolean().optional(),
  autoPush: z.boolean().optional(),
  autoOpenPR: z.boolean().optional(),
  secretScan: z.boolean().optional(),
  prTemplate: z.string().optional(),
  prTitlePrefix: z.string().optional(),
  forge: z
    .strictObject({
      kind: z.enum(['github', 'gitlab']).optional(),
      repo: z.string().optional(),
      apiBaseUrl: httpUrl.optional(),
      token: z.string().optional(),
      draft: z.boolean().optional(),
    })
    .optional(),
  callbackUrl: httpUrl.optional(),
  agentConfig: agentConfigSchema.optional(),
  concurrency: positiveInt(`must be a positive integer (default ${DEFAULTS.concurrency})`).optional(),
  concurrencyMode: z.enum(['serial', 'parallel']).optional(),
  maxQueueDepth: positiveInt(`must be a positive integer (default ${DEFAULTS.maxQueueDepth})`).optional(),
  maxDispatchAttempts: positiveInt(`must be a positive integer (default ${DEFAULTS.maxDispatchAttempts})`).optional(),
  extends: z.union([z.string(), z.array(z.string())]).optional(),
  source: z.record(z.string(), z.unknown()).optional(),
  excludeAuthors: stringList.optional(),
});

export type RawTrigger = z.output<typeof triggerSchema>;
export type AgentConfigInput = z.output<typeof agentConfigSchema>;
export type DispatchCondition = z.output<typeof condition>;

/** 3.x keys accepted with a `legacy-key` warning and ignored (§13). */
export const LEGACY_KEYS = ['delivery', 'onComplete', 'queueType', 'queueLabel', 'modelTier'] as const;
