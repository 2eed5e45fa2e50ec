// For test files that need PostgreSQL: a fresh database on the run's throwaway server (postgres-global-setup.ts).
import { inject } from 'vitest';
import { createDatabase } from './postgres-server.js';

/** The URL of a new, empty database. Fails with the fix when the machine has no PostgreSQL server. */
export async function freshDatabaseUrl(): Promise<string> {
  const server = inject('postgresUrl');
  if (server === '') {
    throw new Error(
      'PostgreSQL tests need the server binaries: apt-get install postgresql (or set WORKRAIL_TEST_DATABASE_URL)',
    );
  }
  return createDatabase(server);
}
