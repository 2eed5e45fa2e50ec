// The worktrain binary (bin/worktrain.mjs over dist/, built by `npm run build`) as a user runs it: the background
// daemon's life cycle, the kill switch, logs, the service files and the webhook dry run. Every daemon started here
// is stopped by the test or, failing that, killed in afterEach.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchdPlist } from '../../src/cli/commands/worktrain-service.js';
import { processAlive, readDaemonLock } from '../../src/daemon/daemon-lock.js';
import { API_KEY, type ScriptedLlmServer, startScriptedLlmServer } from '../support/scripted-llm-server.js';
import { until } from '../support/until.js';
import { gitWorkspace, tempDir, triggersYml, WORKFLOW_ID } from '../support/worktrain-harness.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin', 'worktrain.mjs');
const cleanups: (() => unknown)[] = [];
let llm: ScriptedLlmServer | undefined;

beforeAll(() => {
  if (!existsSync(path.join(root, 'dist', 'cli', 'worktrain.js'))) {
    throw new Error('dist/ is missing: run `npm run build` before this test (npm test does).');
  }
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await llm?.close();
  llm = undefined;
});

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the binary to completion without blocking this process (the scripted LLM server lives here). */
function worktrain(args: readonly string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A WORKRAIL_HOME (also HOME) whose daemon, if one is left running, is killed after the test. */
function daemonHome(): string {
  const home = tempDir(cleanups, 'worktrain-bin-home-');
  cleanups.push(() => {
    const lock = readDaemonLock(home);
    if (lock !== null && processAlive(lock.pid)) process.kill(lock.pid, 'SIGKILL');
  });
  return home;
}

function baseEnv(home: string, pathValue = process.env.PATH ?? ''): Record<string, string> {
  return { PATH: pathValue, HOME: home, WORKRAIL_HOME: home, WORKFLOW_INCLUDE_USER: 'false' };
}

describe('worktrain daemon start|status|stop (real binary)', () => {
  it('starts in the background, runs and logs a session, kills it with kill-sessions, stops and leaves no process', async () => {
    // The first LLM call hangs, so the session is still running when the kill switch fires.
    llm = await startScriptedLlmServer({ script: [{ text: 'thinking', delayMs: 20_000 }] });
    const ws = gitWorkspace(cleanups);
    const home = daemonHome();
    writeFileSync(
      path.join(home, '.env'),
      `ANTHROPIC_API_KEY=${API_KEY}\nANTHROPIC_BASE_URL=${llm.anthropicBaseUrl}\n`,
      { mode: 0o600 },
    );
    const env = baseEnv(home);
    const logFile = path.join(home, 'logs', 'daemon.log');

    const started = await worktrain(['daemon', 'start', '--port', '0'], env);
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    const lock = readDaemonLock(home);
    expect(lock).not.toBeNull();
    const { pid, port } = lock as { pid: number; port: number };
    expect(started.stdout).toContain(`WorkTrain daemon started (pid ${pid}) on http://127.0.0.1:${port}`);
    expect(started.stdout).toContain(`Log: ${logFile}`);

    const status = await worktrain(['daemon', 'status'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`WorkTrain daemon running: pid ${pid}, port ${port}, version`);
    expect(status.stdout).toContain('Sessions: 0 running, 0 queued, 0 parked.');
    const statusJson = JSON.parse((await worktrain(['daemon', 'status', '--json'], env)).stdout) as {
      running: boolean;
      pid: number;
      port: number;
      uptimeMs: number;
    };
    expect(statusJson).toMatchObject({ running: true, pid, port });

    const again = await worktrain(['daemon', 'start'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`already running (pid ${pid}, port ${port})`);

    const follower = spawn(process.execPath, [bin, 'logs', '--follow'], { cwd: root, env });
    let followed = '';
    follower.stdout.on('data', (chunk: Buffer) => {
      followed += chunk.toString();
    });
    cleanups.push(() => {
      if (follower.exitCode === null) follower.kill('SIGKILL');
    });

    const dispatched = await worktrain(
      ['dispatch', '--workflow', WORKFLOW_ID, '--goal', 'Say hello', '--workspace', ws],
      env,
    );
    expect(dispatched.code).toBe(0);
    const sessionId = dispatched.stdout.trim();
    await until(() => (llm?.requests.length ?? 0) > 0 || undefined, 'the first LLM request');

    const logs = await worktrain(['logs', '--session', sessionId], env);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain(`session_started _dispatch [${sessionId.slice(0, 8)}]`);
    expect(logs.stdout).toContain('llm_turn_started');
    expect(logs.stdout).not.toContain('daemon_started');
    await until(
      () => followed.includes(`session_started _dispatch [${sessionId.slice(0, 8)}]`) || undefined,
      'logs -f',
    );

    const killed = await worktrain(['kill-sessions', '--yes'], env);
    expect(killed.code).toBe(0);
    expect(killed.stdout).toContain('Killed 1 running session(s), dropped 0 queued.');
    expect(killed.stdout).toContain(sessionId);
    expect(killed.stdout).toContain('Resume with: worktrain daemon unpause');
    const outcome = await until(async () => {
      const answer = JSON.parse((await worktrain(['status', '--json'], env)).stdout) as {
        sessions: { sessionId: string; outcome: string | null }[];
      };
      return answer.sessions.find((s) => s.sessionId === sessionId)?.outcome ?? undefined;
    }, 'the killed outcome');
    expect(outcome).toBe('killed');
    const paused = await worktrain(['daemon', 'status'], env);
    expect(paused.stdout).toContain('Dispatch is paused (kill switch)');
    const refused = await worktrain(['dispatch', '--workflow', WORKFLOW_ID, '--goal', 'Again', '--workspace', ws], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('DISPATCH_PAUSED');
    expect((await worktrain(['daemon', 'unpause'], env)).stdout).toContain('Dispatch resumed.');

    const followerExit = new Promise<number | null>((resolve) => follower.on('exit', resolve));
    follower.kill('SIGTERM');
    expect(await followerExit).toBe(0);

    const stopped = await worktrain(['daemon', 'stop'], env);
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toContain(`WorkTrain daemon stopped (pid ${pid}).`);
    expect(processAlive(pid)).toBe(false);
    expect(readDaemonLock(home)).toBeNull();

    const after = await worktrain(['daemon', 'status'], env);
    expect(after.code).toBe(0);
    expect(after.stdout).toContain('WorkTrain daemon not running.');
    const stoppedAgain = await worktrain(['daemon', 'stop'], env);
    expect(stoppedAgain.code).toBe(0);
    expect(stoppedAgain.stdout).toContain('not running; nothing to stop');

    const history = await worktrain(['logs', '--session', sessionId.slice(0, 8)], env);
    expect(history.stdout).toContain('outcome=killed');
    const log = readFileSync(logFile, 'utf8');
    expect(log).toContain('"msg":"daemon stopped"');
    expect(log).not.toContain(API_KEY);
  }, 120_000);

  it('fails clearly, with the log path, when the port is taken', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => busy.close(resolve)));
    const port = (busy.address() as { port: number }).port;
    const home = daemonHome();
    const env = baseEnv(home);

    const result = await worktrain(['daemon', 'start', '--port', String(port)], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('WorkTrain daemon failed to start: it exited with code 1.');
    expect(result.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
    expect(result.stderr).toContain(`Log: ${path.join(home, 'logs', 'daemon.log')}`);
    expect(readDaemonLock(home)).toBeNull();
    expect((await worktrain(['daemon', 'status'], env)).stdout).toContain('WorkTrain daemon not running.');
  });
});

describe.runIf(process.platform === 'linux')('worktrain daemon install|uninstall (real binary, Linux)', () => {
  it('writes a systemd user unit that runs this CLI, says what to run without systemctl, and removes it', async () => {
    const home = daemonHome();
    writeFileSync(path.join(home, '.env'), 'ANTHROPIC_API_KEY=sk-never-in-a-unit-file\n', { mode: 0o600 });
    const emptyBin = tempDir(cleanups, 'worktrain-no-systemctl-');
    const env = { ...baseEnv(home, emptyBin), ANTHROPIC_API_KEY: 'sk-never-in-a-unit-file' };
    const unitFile = path.join(home, '.config', 'systemd', 'user', 'worktrain.service');

    const installed = await worktrain(['daemon', 'install'], env);
    expect(installed.stderr).toBe('');
    expect(installed.code).toBe(0);
    expect(installed.stdout).toContain(`Wrote ${unitFile}`);
    expect(installed.stdout).toContain('systemctl is not on PATH');
    expect(installed.stdout).toContain('systemctl --user daemon-reload');

    const unit = readFileSync(unitFile, 'utf8');
    expect(unit).toContain(`ExecStart="${process.execPath}" "${bin}" daemon run\n`);
    expect(unit).toContain('WorkingDirectory=%h\n');
    expect(unit).toContain(`Environment="PATH=${emptyBin}"\n`);
    expect(unit).toContain(`Environment="WORKRAIL_HOME=${home}"\n`);
    expect(unit).toContain(`StandardOutput=append:${path.join(home, 'logs', 'daemon.log')}\n`);
    expect(unit).toContain('Restart=on-failure\nRestartSec=10\n');
    expect(unit).toContain('[Install]\nWantedBy=default.target\n');
    expect(unit).not.toContain('sk-never-in-a-unit-file');
    expect(unit).not.toContain('ANTHROPIC');

    expect((await worktrain(['daemon', 'status'], env)).stdout).toContain(`Service: installed (${unitFile})`);

    const removed = await worktrain(['daemon', 'uninstall'], env);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain(`Removed ${unitFile}`);
    expect(existsSync(unitFile)).toBe(false);
    expect((await worktrain(['daemon', 'uninstall'], env)).stdout).toContain('No WorkTrain service is installed');
  });
});

describe('the launchd agent of worktrain daemon install (macOS)', () => {
  it('runs `daemon run` with this CLI, logs to ~/.workrail/logs, and keeps it alive only with --autostart', () => {
    const command = {
      node: '/opt/node/bin/node',
      cli: '/Apps/Work & Rail/bin/worktrain.mjs',
      env: { PATH: '/usr/bin:/bin', WORKRAIL_HOME: '/Users/dev/.wr' },
      home: '/Users/dev',
      logFile: '/Users/dev/.wr/logs/daemon.log',
    };
    const plist = launchdPlist(command, false);
    expect(plist).toContain('<key>Label</key><string>io.worktrain.daemon</string>');
    expect(plist).toContain(
      '<array><string>/opt/node/bin/node</string><string>/Apps/Work &amp; Rail/bin/worktrain.mjs</string><string>daemon</string><string>run</string></array>',
    );
    expect(plist).toContain('<key>WorkingDirectory</key><string>/Users/dev</string>');
    expect(plist).toContain('<key>WORKRAIL_HOME</key><string>/Users/dev/.wr</string>');
    expect(plist).toContain('<key>StandardErrorPath</key><string>/Users/dev/.wr/logs/daemon.log</string>');
    expect(plist).not.toContain('RunAtLoad');
    const autostart = launchdPlist(command, true);
    expect(autostart).toContain('<key>RunAtLoad</key><true/>');
    expect(autostart).toContain('<key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>');
  });
});

describe('worktrain trigger test (real binary)', () => {
  it('shows what a payload would do (condition, goal, workflow, workspace) without dispatching', async () => {
    const ws = gitWorkspace(cleanups);
    const home = daemonHome();
    const secret = 'whsec-dry-run-secret';
    writeFileSync(path.join(home, 'triggers.yml'), triggersYml(ws, '', 'http://127.0.0.1:9'));
    writeFileSync(path.join(home, '.env'), `WEBHOOK_SECRET=${secret}\nLLM_KEY=sk-dry-run-key\n`, { mode: 0o600 });
    const payloads = path.join(home, 'payloads');
    mkdirSync(payloads);
    const opened = path.join(payloads, 'opened.json');
    writeFileSync(opened, JSON.stringify({ action: 'opened', issue: { number: 42, title: 'Crash on start' } }));
    writeFileSync(
      path.join(payloads, 'closed.json'),
      JSON.stringify({ action: 'closed', issue: { number: 42, title: 'Crash on start' } }),
    );
    const env = baseEnv(home);

    const result = await worktrain(['trigger', 'test', 'fix-issue', '--payload', opened], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Trigger fix-issue: dry run, nothing dispatched.');
    expect(result.stdout).toContain('Signature: required (not checked by the dry run)');
    expect(result.stdout).toContain('dispatchCondition: true\n  $.action = "opened" in [opened, labeled]: true');
    expect(result.stdout).toContain(`Result: would answer 202 accepted and run ${WORKFLOW_ID}`);
    expect(result.stdout).toContain('Goal: Fix issue #42: Crash on start');
    expect(result.stdout).toContain(`Workflow: ${WORKFLOW_ID}`);
    expect(result.stdout).toContain(`Workspace: ${ws}`);
    expect(result.stdout).not.toContain(secret);
    expect(existsSync(path.join(home, 'data', 'daemon-events.jsonl'))).toBe(false);

    const ignored = await worktrain(
      ['trigger', 'test', 'fix-issue', '--payload', path.join(payloads, 'closed.json'), '--json'],
      env,
    );
    expect(ignored.code).toBe(0);
    expect(JSON.parse(ignored.stdout)).toMatchObject({
      outcome: 'ignored',
      conditionHolds: false,
      conditions: [{ payloadPath: '$.action', value: 'closed', holds: false }],
      workflowId: WORKFLOW_ID,
      workspacePath: ws,
    });

    const noGoal = await worktrain(['trigger', 'test', 'fix-issue'], env);
    expect(noGoal.stdout).toContain('Result: would answer 400: goalTemplate token {{$.issue.number}} not found');

    const unknown = await worktrain(['trigger', 'test', 'nope'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Unknown trigger: nope (known: fix-issue)');
  });
});
