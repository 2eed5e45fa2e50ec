import type { WorkflowSources } from '../workflow/sources.js';
import type { AppConfig } from './config.js';

export interface Clock {
  now(): number;
}

/** Everything a use case may reach outside pure code. Built once by `createApp`. */
export interface AppDeps {
  readonly config: AppConfig;
  readonly clock: Clock;
  readonly sources: WorkflowSources;
}
