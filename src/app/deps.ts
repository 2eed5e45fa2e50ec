import type { SessionStore } from '../store/index.js';
import type { Keyring } from '../tokens/index.js';
import type { WorkflowSources } from '../workflow/sources.js';
import type { AppConfig } from './config.js';
import type { Ids } from './ids.js';

export interface Clock {
  now(): number;
}

/** Everything a use case may reach outside pure code. Built once by `createApp`. */
export interface AppDeps {
  readonly config: AppConfig;
  readonly clock: Clock;
  readonly sources: WorkflowSources;
  /** Session ids, node ids, attempt ids, event ids and random bytes for tokens. */
  readonly ids: Ids;
  /** The session store; opened on first use, so read-only commands never create a database. */
  readonly store: SessionStore;
  /** The token keyring; loaded (or created) on first use. */
  readonly keyring: Keyring;
}
