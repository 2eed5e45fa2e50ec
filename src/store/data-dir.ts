import { homedir } from 'node:os';
import { join } from 'node:path';

/** `WORKRAIL_DATA_DIR`, else `~/.workrail/data`. */
export function resolveDataDir(env: NodeJS.ProcessEnv, home: string = homedir()): string {
  const configured = env.WORKRAIL_DATA_DIR;
  return configured !== undefined && configured !== '' ? configured : join(home, '.workrail', 'data');
}

/** The one session database inside a data directory. */
export function databasePath(dataDir: string): string {
  return join(dataDir, 'workrail.db');
}
