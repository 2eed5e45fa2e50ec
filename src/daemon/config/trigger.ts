// A trigger after validation, extends and defaults: what the router and the session runner read.
import type { AgentConfig } from '../agent-config.js';
import type { BRANCH_STRATEGIES, DispatchCondition, PROVIDERS } from './trigger-schema.js';

export interface Trigger {
  readonly id: string;
  readonly provider: (typeof PROVIDERS)[number];
  readonly workflowId: string;
  readonly workspacePath: string;
  readonly goal: string | undefined;
  readonly goalTemplate: string | undefined;
  readonly contextMapping: { readonly [key: string]: string };
  readonly referenceUrls: readonly string[];
  readonly soulFile: string | undefined;
  readonly hmacSecret: string | undefined;
  readonly dispatchCondition: readonly DispatchCondition[];
  readonly branchStrategy: (typeof BRANCH_STRATEGIES)[number];
  readonly autoCommit: boolean;
  readonly autoPush: boolean;
  readonly autoOpenPR: boolean;
  /** Unset: the remote default branch (`origin/HEAD`), else `main` (§8.1). */
  readonly baseBranch: string | undefined;
  readonly branchPrefix: string;
  readonly secretScan: boolean;
  readonly prTemplate: string | undefined;
  readonly prTitlePrefix: string;
  readonly forge: {
    readonly kind?: 'github' | 'gitlab';
    readonly repo?: string;
    readonly apiBaseUrl?: string;
    readonly token?: string;
    readonly draft?: boolean;
  };
  readonly concurrency: number;
  readonly maxQueueDepth: number;
  readonly maxDispatchAttempts: number;
  /** Receives the final `DaemonSession` as JSON after every session of this trigger (§8.6). */
  readonly callbackUrl: string | undefined;
  readonly agent: AgentConfig;
  readonly source: { readonly [key: string]: unknown };
  /** The trigger as written (secrets still `$NAME`), for `trigger list` and `GET /api/v2/triggers`. */
  readonly written: { readonly [key: string]: unknown };
  readonly line: number;
}
