import { createRequire } from 'node:module';

/** The package version, reported by /health, the lock file and `worktrain --version`. */
export const VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
