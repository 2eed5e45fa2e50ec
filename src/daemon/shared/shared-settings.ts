// The settings of the shared mode (docs/worktrain-several-machines.md): WORKRAIL_DATABASE_URL turns it on; the lease
// length is WORKTRAIN_LEASE_MS. Read from the daemon's environment; once the app config carries `databaseUrl`, only
// `databaseUrlOf` changes.

export interface SharedSettings {
  readonly databaseUrl: string;
  /** How long a session's lease lasts without a heartbeat; heartbeats run every third of it. */
  readonly leaseMs: number;
}

export const DEFAULT_LEASE_MS = 30_000;
const MIN_LEASE_MS = 500;

/** The PostgreSQL URL of the shared queue, or null for the single-machine mode. */
export function databaseUrlOf(env: { readonly [name: string]: string | undefined }): string | null {
  const url = env.WORKRAIL_DATABASE_URL?.trim() ?? '';
  if (url === '') return null;
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new Error('WORKRAIL_DATABASE_URL must start with postgres:// or postgresql://');
  }
  return url;
}

/** The shared-mode settings, or null when WORKRAIL_DATABASE_URL is not set. Throws with the reason on bad values. */
export function sharedSettingsOf(env: { readonly [name: string]: string | undefined }): SharedSettings | null {
  const databaseUrl = databaseUrlOf(env);
  if (databaseUrl === null) return null;
  const raw = env.WORKTRAIN_LEASE_MS?.trim() ?? '';
  const leaseMs = raw === '' ? DEFAULT_LEASE_MS : Number(raw);
  if (!Number.isInteger(leaseMs) || leaseMs < MIN_LEASE_MS) {
    throw new Error(`WORKTRAIN_LEASE_MS must be an integer number of milliseconds >= ${MIN_LEASE_MS}, got "${raw}"`);
  }
  return { databaseUrl, leaseMs };
}
