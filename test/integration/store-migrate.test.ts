// `workrail store migrate --to postgres://…`: a SQLite store with sessions in progress is copied into PostgreSQL, and
// the tokens handed out before the move keep working against the new store (advance, replay, resume).
import { describe, expect, it } from 'vitest';
import { continueWorkflow } from '../../src/app/continue-workflow.js';
import { createApp } from '../../src/app/create-app.js';
import { resumeSession } from '../../src/app/resume-session.js';
import { startWorkflow } from '../../src/app/start-workflow.js';
import { freshDatabaseUrl } from '../support/postgres.js';
import { asStep, expectOk, LOOP_WORKFLOW, tempDir, workspaceWith } from './app-helpers.js';
import { runCli } from './cli-helpers.js';

describe('workrail store migrate', () => {
  it('copies a SQLite store into PostgreSQL, verified, and the old tokens keep working there', async () => {
    const home = tempDir();
    const ws = workspaceWith(LOOP_WORKFLOW);
    const env = { WORKRAIL_HOME: home, WORKFLOW_INCLUDE_USER: 'false' };
    const sqlite = createApp({ env });
    const started = asStep(
      expectOk(startWorkflow(sqlite, { workflowId: LOOP_WORKFLOW.id, workspacePath: ws, goal: 'ship the parser' })),
    );
    const planned = asStep(
      expectOk(continueWorkflow(sqlite, { continueToken: started.continueToken!, notes: 'Plan.' })),
    );
    expectOk(startWorkflow(sqlite, { workflowId: LOOP_WORKFLOW.id, workspacePath: ws, goal: 'fix the lexer' }));
    sqlite.close();

    const url = await freshDatabaseUrl();
    const migrated = await runCli(['store', 'migrate', '--to', url], { env });
    expect(migrated.stderr).toBe('');
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toMatch(
      /^Copied 2 sessions to postgres:\/\/.*\(0 already there\)\.\nVerified 2 sessions, \d+ events, \d+ tokens, 1 pinned workflow and 1 workspace root; digest [0-9a-f]{64}\./,
    );

    const again = await runCli(['store', 'migrate', '--to', url], { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^Copied 0 sessions to .*\(2 already there\)/);

    const postgres = createApp({ env: { ...env, WORKRAIL_DATABASE_URL: url } });
    try {
      // Replaying the pre-move token returns the recorded response byte for byte.
      const replay = expectOk(continueWorkflow(postgres, { continueToken: started.continueToken!, notes: 'Plan.' }));
      expect(JSON.stringify(replay)).toBe(JSON.stringify(planned));
      // The next token advances on PostgreSQL.
      const next = asStep(
        expectOk(continueWorkflow(postgres, { continueToken: planned.continueToken!, notes: 'Pass one.' })),
      );
      expect(next.pending?.stepId).toBe('verify');
      const resumed = expectOk(resumeSession(postgres, { query: 'lexer', workspacePath: ws }));
      expect(resumed.candidates[0]?.sessionTitle).toBe('fix the lexer');
    } finally {
      postgres.close();
    }
  });

  it('refuses a target that is not a postgres URL or a file, and an unreachable server, with the password hidden', async () => {
    const env = { WORKRAIL_HOME: tempDir() };
    const wrong = await runCli(['store', 'migrate', '--to', 'mysql://root:hunter2@db/x'], { env });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--to must be a postgres:// URL or a file path');
    expect(wrong.stderr).not.toContain('hunter2');
    const down = await runCli(['store', 'migrate', '--to', 'postgres://me:hunter2@127.0.0.1:1/none'], { env });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^workrail store migrate: cannot open postgres:\/\/me:\*\*\*@127\.0\.0\.1:1\/none: /);
    expect(down.stderr).not.toContain('hunter2');
  });

  it('copies into a SQLite file too (a backup, or the way back from PostgreSQL)', async () => {
    const home = tempDir();
    const ws = workspaceWith(LOOP_WORKFLOW);
    const env = { WORKRAIL_HOME: home, WORKFLOW_INCLUDE_USER: 'false' };
    const app = createApp({ env });
    expectOk(startWorkflow(app, { workflowId: LOOP_WORKFLOW.id, workspacePath: ws, goal: 'ship' }));
    app.close();
    const copy = `${tempDir()}/copy.db`;
    const result = await runCli(['store', 'migrate', '--to', copy], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Copied 1 session to ${copy}`);
  });
});
