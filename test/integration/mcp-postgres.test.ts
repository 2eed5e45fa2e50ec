// The real binary (node bin/workrail.mjs, built by `npm test`) on the PostgreSQL store: selected by
// WORKRAIL_DATABASE_URL or --database-url, shared by several server processes, and nothing written to the SQLite file.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabaseUrl } from '../support/postgres.js';
import { BIN, type Called, call, LINEAR, spawnStdio, testEnv, workspaceWith } from './mcp-helpers.js';

const run = promisify(execFile);
const clients: Client[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
});

async function advance(client: Client, token: string, notes = 'Done.'): Promise<Called> {
  const result = await call(client, 'continue_workflow', { continueToken: token, notes });
  expect(result.isError, result.text).toBe(false);
  return result;
}

async function start(client: Client, ws: string): Promise<Called> {
  const started = await call(client, 'start_workflow', { workflowId: LINEAR.id, workspacePath: ws, goal: 'ship it' });
  expect(started.isError, started.text).toBe(false);
  return started;
}

describe('the workrail binary on PostgreSQL', () => {
  it('runs a workflow to completion, replays byte-identically and resumes, without touching the SQLite file', async () => {
    const env = testEnv({ WORKRAIL_DATABASE_URL: await freshDatabaseUrl() });
    const { client } = await spawnStdio(env);
    const ws = workspaceWith(LINEAR);
    const started = await start(client, ws);
    const first = await advance(client, started.data.continueToken, 'Planned.');
    const replayed = await advance(client, started.data.continueToken, 'Planned.');
    expect(replayed.text).toBe(first.text);
    expect(replayed.data).toEqual(first.data);
    let response = first;
    while (!response.data.isComplete) response = await advance(client, response.data.continueToken);
    expect(response.data.nextIntent).toBe('complete');

    const resumed = await call(client, 'resume_session', { workspacePath: ws, query: 'ship' });
    expect(resumed.isError, resumed.text).toBe(false);
    expect(resumed.data.candidates).toHaveLength(1);
    expect(existsSync(path.join(env.WORKRAIL_DATA_DIR!, 'workrail.db'))).toBe(false);
  });

  it('lets a second server process continue a session the first one started', async () => {
    const env = testEnv({ WORKRAIL_DATABASE_URL: await freshDatabaseUrl() });
    const ws = workspaceWith(LINEAR);
    const [one, two] = await Promise.all([spawnStdio(env), spawnStdio(env)]);
    const started = await start(one.client, ws);
    const second = await advance(two.client, started.data.continueToken);
    expect(second.data.pending.stepId).toBe('second');
    const third = await advance(one.client, second.data.continueToken);
    expect(third.data.pending.stepId).toBe('confirm');
    const replayedOnOne = await advance(one.client, started.data.continueToken);
    expect(replayedOnOne.text).toBe(second.text);
  });

  it('takes the store from --database-url, for the server and for the CLI', async () => {
    const url = await freshDatabaseUrl();
    const env = testEnv();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, '--database-url', url],
      env: { PATH: process.env.PATH ?? '', HOME: env.WORKRAIL_HOME ?? tmpdir(), ...env },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(transport);
    clients.push(client);
    const started = await start(client, workspaceWith(LINEAR));

    const cliEnv = { ...process.env, ...env };
    const listed = await run(process.execPath, [BIN, '--database-url', url, 'sessions', 'list'], { env: cliEnv });
    expect(started.data.continueToken).toMatch(/^ct_/);
    expect(listed.stdout).toMatch(/sess_\S+/);
    expect(listed.stdout).toContain('ship it');
    const afterCommand = await run(process.execPath, [BIN, 'sessions', 'list', '--database-url', url], { env: cliEnv });
    expect(afterCommand.stdout).toBe(listed.stdout);
    expect(existsSync(path.join(env.WORKRAIL_DATA_DIR!, 'workrail.db'))).toBe(false);
  });

  it('refuses a database URL that is not PostgreSQL, without printing its password', async () => {
    const env = { ...process.env, ...testEnv() };
    const failed = await run(process.execPath, [BIN, '--database-url', 'mysql://me:hunter2@db/x', 'sessions', 'list'], {
      env,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toContain('mysql://me:***@db/x');
    expect((failed as { stderr: string }).stderr).not.toContain('hunter2');
  });

  it('refuses a WORKRAIL_DATABASE_URL that is not PostgreSQL with a precise message, without its password', async () => {
    const env = { ...process.env, ...testEnv({ WORKRAIL_DATABASE_URL: 'mysql://me:hunter2@db/x' }) };
    const failed = await run(process.execPath, [BIN, 'sessions', 'list'], { env }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toContain('workrail: WORKRAIL_DATABASE_URL must be a PostgreSQL URL');
    expect((failed as { stderr: string }).stderr).toContain('mysql://me:***@db/x');
    expect((failed as { stderr: string }).stderr).not.toContain('hunter2');
  });

  it('says the server cannot be reached, without its password and without calling it an internal error', async () => {
    const url = 'postgres://me:hunter2@127.0.0.1:1/none';
    const failed = await run(process.execPath, [BIN, '--database-url', url, 'sessions', 'list'], {
      env: { ...process.env, ...testEnv() },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 1 });
    const stderr = (failed as { stderr: string }).stderr;
    expect(stderr).toMatch(/^workrail: Cannot connect to PostgreSQL at postgres:\/\/me:\*\*\*@127\.0\.0\.1:1\/none: /);
    expect(stderr).not.toContain('hunter2');
  });

  it('the MCP server refuses a WORKRAIL_DATABASE_URL that is not PostgreSQL before serving', async () => {
    const env = { ...process.env, ...testEnv({ WORKRAIL_DATABASE_URL: 'mysql://me:hunter2@db/x' }) };
    const failed = await run(process.execPath, [BIN], { env }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toBe(
      'workrail: WORKRAIL_DATABASE_URL must be a PostgreSQL URL such as postgres://user:password@host:5432/database ' +
        '(or unset, for the embedded SQLite store); got "mysql://me:***@db/x".\n',
    );
  });

  it('never loads the pg-native driver on the SQLite store', async () => {
    const storeModule = new URL('../../dist/store/index.js', import.meta.url).href;
    const script = `
      import { createRequire } from 'node:module';
      const { openSessionStore } = await import(${JSON.stringify(storeModule)});
      const store = openSessionStore({ dataDir: process.env.DATA_DIR });
      store.transaction(null, (tx) => tx.rememberRoot('/w', 1));
      store.close();
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((m) => /pg-native|libpq/.test(m));
      process.stdout.write(JSON.stringify(loaded));`;
    const env = { ...process.env, DATA_DIR: testEnv().WORKRAIL_DATA_DIR! };
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env });
    expect(JSON.parse(stdout)).toEqual([]);
  });
});
