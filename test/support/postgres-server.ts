// A throwaway PostgreSQL server for the tests and benches: Debian's server binaries (`apt-get install postgresql`),
// a fresh cluster in a temp directory, listening on a free loopback port, removed on stop. Started once per test run
// by postgres-global-setup.ts; each test takes a database of its own with createDatabase().
// WORKRAIL_TEST_DATABASE_URL names an existing server instead (its user must be allowed to create databases).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`. */
  readonly url: string;
  stop(): void;
}

export interface StartOptions {
  /** Default true. Benches measure with fsync on; tests may turn it off (they kill clients, never the server). */
  readonly fsync?: boolean;
}

const DEBIAN_ROOT = '/usr/lib/postgresql';

/** Null when no server binaries are installed. */
export function postgresBinDir(): string | null {
  if (!existsSync(DEBIAN_ROOT)) return null;
  const versions = readdirSync(DEBIAN_ROOT)
    .filter((v) => existsSync(join(DEBIAN_ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length === 0 ? null : join(DEBIAN_ROOT, versions[0]!, 'bin');
}

export async function startPostgres(options: StartOptions = {}): Promise<PostgresServer> {
  const existing = process.env.WORKRAIL_TEST_DATABASE_URL;
  if (existing !== undefined && existing !== '') return { url: existing, stop() {} };
  const bin = postgresBinDir();
  if (bin === null) throw new Error(`No PostgreSQL server under ${DEBIAN_ROOT}: apt-get install postgresql`);
  const dir = mkdtempSync(join(tmpdir(), 'workrail-pg-'));
  // PostgreSQL refuses to run as root: as root, the cluster belongs to Debian's `postgres` user.
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, uid);
  }
  chmodSync(dir, 0o700);
  const run = (program: string, args: string[]) => {
    const command = asRoot ? 'runuser' : join(bin, program);
    const argv = asRoot ? ['-u', 'postgres', '--', join(bin, program), ...args] : args;
    const result = spawnSync(command, argv, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${program} failed: ${result.stderr || result.stdout}`);
  };
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const port = await freePort();
  const settings = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c max_connections=300',
    `-c fsync=${options.fsync === false ? 'off' : 'on'}`,
  ];
  run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-o', settings.join(' '), 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Creates an empty database on the server at `serverUrl` and returns its URL. */
export async function createDatabase(serverUrl: string, prefix = 'workrail_test'): Promise<string> {
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject()));
    });
  });
}
