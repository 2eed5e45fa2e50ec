// The settings of the shared mode (docs/worktrain-several-machines.md): the app's database URL
// (WORKRAIL_DATABASE_URL or `--database-url`, checked by the app config) turns it on for the daemon as well; the
// lease length is WORKTRAIN_LEASE_MS.

export interface SharedSettings {
  readonly databaseUrl: string;
  /** How long a session's lease lasts without a heartbeat; heartbeats run every third of it. */
  readonly leaseMs: number;
}

export const DEFAULT_LEASE_MS = 30_000;
const MIN_LEASE_MS = 500;

/** The shared-mode settings, or null without a database URL. Throws with the reason on a bad lease length. */
export function sharedSettingsOf(
  databaseUrl: string | undefined,
  env: { readonly [name: string]: string | undefined },
): SharedSettings | null {
  if (databaseUrl === undefined || databaseUrl === '') return null;
  const raw = env.WORKTRAIN_LEASE_MS?.trim() ?? '';
  const leaseMs = raw === '' ? DEFAULT_LEASE_MS : Number(raw);
  if (!Number.isInteger(leaseMs) || leaseMs < MIN_LEASE_MS) {
    throw new Error(`WORKTRAIN_LEASE_MS must be an integer number of milliseconds >= ${MIN_LEASE_MS}, got "${raw}"`);
  }
  return { databaseUrl, leaseMs };
}
