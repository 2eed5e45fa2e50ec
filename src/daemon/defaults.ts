// The WorkTrain defaults (docs/worktrain.md §2.1), stated once. Validation messages, `--help`, `worktrain init`
// and the docs table quote these values.

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 3200,
  maxConcurrentSessions: 3,
  concurrency: 1,
  maxQueueDepth: 10,
  dedupeWindowMs: 30_000,
  maxDispatchAttempts: 3,
  maxSessionMinutes: 60,
  maxTurns: 200,
  stallTimeoutSeconds: 120,
  maxOutputTokens: 8192,
  stuckAbortPolicy: 'abort',
  repeatedToolCallLimit: 3,
  noProgressWarningFraction: 0.8,
  llmRetries: 3,
  llmRetryBaseMs: 1000,
  llmRetryMaxMs: 60_000,
  bashTimeoutSeconds: 300,
  bashMaxTimeoutSeconds: 1800,
  toolResultMaxChars: 30_000,
  webhookBodyLimitBytes: 1024 * 1024,
  branchPrefix: 'worktrain/',
  secretScan: true,
  prTitlePrefix: '[WT] ',
  shutdownGraceMs: 10_000,
  provider: 'anthropic',
  anthropicModel: 'claude-sonnet-4-6',
  workspaceContextMaxBytes: 32 * 1024,
  payloadContextMaxBytes: 64 * 1024,
  nudgeLimit: 3,
} as const;

export type StuckAbortPolicy = 'abort' | 'notify_only';
