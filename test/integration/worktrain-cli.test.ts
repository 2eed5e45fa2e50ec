import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app/index.js';
import { API_KEY, type ScriptedLlmServer, startScriptedLlmServer } from '../support/scripted-llm-server.js';
import { gitWorkspace, happyScript, runWorktrain, tempDir, WORKFLOW_ID } from '../support/worktrain-harness.js';

const root = path.resolve(import.meta.dirname, '../..');
const cleanups: (() => unknown)[] = [];
let llm: ScriptedLlmServer | undefined;

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await llm?.close();
  llm = undefined;
});

const worktrain = (argv: string[], env: Record<string, string>, cwd = root) => runWorktrain(argv, { env, cwd });

/** Starts `worktrain daemon run --port 0` as a child process; resolves with its port from the startup line. */
function spawnDaemon(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; port: string; stderr: () => string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/support/worktrain-entry.ts', 'daemon', 'run', '--port', '0'],
    {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  cleanups.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /WorkTrain daemon listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (match !== null) resolve({ child, port: match[1] as string, stderr: () => err });
    });
    child.on('exit', (code) => reject(new Error(`daemon exited ${code}: ${err}`)));
  });
}

describe('worktrain daemon run (real process)', () => {
  it('serves an ad-hoc dispatch --wait to a completed session and stops gracefully on SIGTERM', async () => {
    llm = await startScriptedLlmServer({ script: happyScript() });
    const ws = gitWorkspace(cleanups);
    const home = tempDir(cleanups, 'worktrain-cli-home-');
    writeFileSync(
      path.join(home, '.env'),
      `ANTHROPIC_API_KEY=${API_KEY}\nANTHROPIC_BASE_URL=${llm.anthropicBaseUrl}\n`,
      { mode: 0o600 },
    );
    const env = { HOME: home, WORKRAIL_HOME: home, WORKFLOW_INCLUDE_USER: 'false' };
    const { child, port } = await spawnDaemon(env);
    expect(existsSync(path.join(home, 'daemon.lock'))).toBe(true);

    const dispatched = await worktrain(
      ['dispatch', '--workflow', WORKFLOW_ID, '--goal', 'Say hello', '--workspace', ws, '--wait', '--json'],
      env,
    );
    expect(dispatched.stderr).toContain('waiting');
    expect(dispatched.code).toBe(0);
    const session = JSON.parse(dispatched.stdout) as { outcome: string; workrailSessionId: string };
    expect(session.outcome).toBe('success');

    const status = await worktrain(['status'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('Daemon up');
    expect(status.stdout).toContain(`${WORKFLOW_ID} success`);

    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(path.join(home, 'daemon.lock'))).toBe(false);

    const app = createApp({ env: { WORKRAIL_HOME: home } });
    const stored = app.store
      .read((r) => r.listRecentSessions(5))
      .find((s) => s.sessionId === session.workrailSessionId);
    app.close();
    expect(stored?.isComplete).toBe(true);
    expect(port).not.toBe('0');
  });

  it('exits 4 with a hint when no daemon answers', async () => {
    const home = tempDir(cleanups, 'worktrain-cli-home-');
    const result = await worktrain(['status', '--port', '1'], { WORKRAIL_HOME: home });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('Start it with: worktrain daemon start');
  });
});

describe('worktrain trigger validate', () => {
  it('reports file:line:column, the trigger id and the fix, and exits 1', async () => {
    const home = tempDir(cleanups, 'worktrain-cli-home-');
    const ws = gitWorkspace(cleanups);
    writeFileSync(
      path.join(home, 'triggers.yml'),
      `triggers:\n  - id: fix-issue\n    provider: generic\n    workflowId: ${WORKFLOW_ID}\n    workspacePath: ${ws}\n    agentConfig:\n      maxTurns: lots\n    colour: blue\n`,
    );
    const result = await worktrain(['trigger', 'validate'], { WORKRAIL_HOME: home, ANTHROPIC_API_KEY: 'k-1234' });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'triggers.yml:7:17 error [invalid-value] triggers[0] (id fix-issue): agentConfig.maxTurns must be a positive integer (default 200), got "lots"',
    );
    expect(result.stdout).toContain(
      'triggers.yml:8:5 error [unknown-key] triggers[0] (id fix-issue): unknown key "colour"',
    );
  });

  it('names a missing $VAR without printing any value, and exits 0 once it is set', async () => {
    const home = tempDir(cleanups, 'worktrain-cli-home-');
    const ws = gitWorkspace(cleanups);
    writeFileSync(
      path.join(home, 'triggers.yml'),
      `triggers:\n  - id: hook\n    provider: generic\n    workflowId: ${WORKFLOW_ID}\n    workspacePath: ${ws}\n    goal: Do it\n    hmacSecret: $HOOK_SECRET\n`,
    );
    const env = { WORKRAIL_HOME: home, ANTHROPIC_API_KEY: 'k-1234' };
    const missing = await worktrain(['trigger', 'validate'], env);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain(
      '[missing-env] triggers[0] (id hook): hmacSecret uses $HOOK_SECRET, which is not set',
    );
    writeFileSync(path.join(home, '.env'), 'HOOK_SECRET=super-secret-value\n', { mode: 0o600 });
    const ok = await worktrain(['trigger', 'validate'], env);
    expect(ok.code).toBe(0);
    const listed = await worktrain(['trigger', 'list', '--offline', '--json'], env);
    expect(listed.stdout).not.toContain('super-secret-value');
    expect(JSON.parse(listed.stdout)).toEqual({
      triggers: [{ id: 'hook', provider: 'generic', workflowId: WORKFLOW_ID, workspacePath: ws }],
    });
  });

  it('refuses to start the daemon on an invalid triggers.yml', async () => {
    const home = tempDir(cleanups, 'worktrain-cli-home-');
    writeFileSync(path.join(home, 'triggers.yml'), 'triggers:\n  - id: bad id\n    provider: nope\n');
    const result = await worktrain(['daemon', 'run', '--port', '0'], { WORKRAIL_HOME: home });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/triggers\.yml:2:\d+ error \[invalid-value\]/);
    expect(result.stderr).toContain('the daemon did not start');
    expect(existsSync(path.join(home, 'daemon.lock'))).toBe(false);
  });
});
