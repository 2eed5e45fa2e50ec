// Vitest global setup: one throwaway PostgreSQL server per test run (postgres-server.ts). Tests read its URL with
// postgresUrl() below; without server binaries the URL is empty and only the tests that need PostgreSQL fail.
import type { TestProject } from 'vitest/node';
import { postgresBinDir, startPostgres } from './postgres-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Empty when no PostgreSQL server could be started. */
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  if (postgresBinDir() === null && !process.env.WORKRAIL_TEST_DATABASE_URL) {
    project.provide('postgresUrl', '');
    return () => {};
  }
  const server = await startPostgres({ fsync: false });
  project.provide('postgresUrl', server.url);
  return () => server.stop();
}
