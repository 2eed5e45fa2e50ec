// Shared setup of the WorkTrain tests: a real temp git workspace holding the fixture workflow, a temp WORKRAIL_HOME
// with triggers.yml and .env, the scripted LLM server, and an in-process daemon on an ephemeral port.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/worktrain.js';
import { type RunningDaemon, type StartDaemonOptions, startDaemon } from '../../src/daemon/daemon.js';
import type { DaemonSession } from '../../src/daemon/sessions.js';
import type { Reply } from './scripted-llm-server.js';

const FIXTURE = path.join(import.meta.dirname, '..', 'fixtures', 'llm', 'wt-fixture-workflow.json');
export const WORKFLOW_ID = 'acme.wt-fixture';
export const NOTES = 'I did the work of this step carefully and checked the result; nothing else needed changing.';

export function tempDir(cleanups: (() => unknown)[], prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A git repository with AGENTS.md and the fixture workflow in `.workrail/workflows/`, one commit on main. */
export function gitWorkspace(cleanups: (() => unknown)[]): string {
  const ws = tempDir(cleanups, 'worktrain-ws-');
  mkdirSync(path.join(ws, '.workrail', 'workflows'), { recursive: true });
  writeFileSync(path.join(ws, '.workrail', 'workflows', 'wt-fixture.json'), readFileSync(FIXTURE));
  writeFileSync(path.join(ws, 'AGENTS.md'), '# Agent rules\nAlways write tests.\n');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ws, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'first');
  return ws;
}

export interface TestDaemon {
  readonly daemon: RunningDaemon;
  readonly home: string;
  readonly logs: () => string;
  readonly eventsFile: string;
}

/** Starts the daemon in process with `triggers` as triggers.yml and `dotEnv` as ~/.workrail/.env. */
export async function startTestDaemon(
  cleanups: (() => unknown)[],
  args: { triggers: string; dotEnv?: string; env?: Record<string, string>; options?: Partial<StartDaemonOptions> },
): Promise<TestDaemon> {
  const home = tempDir(cleanups, 'worktrain-home-');
  writeFileSync(path.join(home, 'triggers.yml'), args.triggers);
  if (args.dotEnv !== undefined) writeFileSync(path.join(home, '.env'), args.dotEnv, { mode: 0o600 });
  let logText = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logText += chunk.toString('utf8');
      callback();
    },
  });
  const started = await startDaemon({
    env: { PATH: process.env.PATH ?? '', HOME: home, WORKRAIL_HOME: home, WORKFLOW_INCLUDE_USER: 'false', ...args.env },
    port: 0,
    logDestination: destination,
    ...args.options,
  });
  if (!started.ok) throw new Error(`daemon did not start: ${started.message} ${JSON.stringify(started.findings)}`);
  const daemon = started.daemon;
  cleanups.push(() => daemon.stop());
  return { daemon, home, logs: () => logText, eventsFile: path.join(home, 'data', 'daemon-events.jsonl') };
}

/** Polls the daemon's record until the session reaches `completed` (or `interrupted`). */
export async function waitForSession(
  daemon: RunningDaemon,
  sessionId: string,
  budgetMs = 20_000,
): Promise<DaemonSession> {
  const deadline = Date.now() + budgetMs;
  for (;;) {
    const found = daemon.core.sessions.find(sessionId);
    if (found.kind === 'found' && ['completed', 'interrupted', 'parked'].includes(found.session.state))
      return found.session;
    if (Date.now() > deadline)
      throw new Error(`session ${sessionId} still ${found.kind === 'found' ? found.session.state : 'missing'}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function completeStep(notes = NOTES): Reply {
  return { toolCalls: [{ name: 'complete_step', input: { notes } }] };
}

/** The agent of the happy path: writes out.txt with Bash, then completes both steps. */
export function happyScript(): Reply[] {
  return [
    {
      text: 'Creating the file.',
      toolCalls: [{ name: 'Bash', input: { command: 'echo hello > out.txt && cat out.txt' } }],
    },
    completeStep(),
    completeStep(),
  ];
}

export function triggersYml(
  ws: string,
  extra = '',
  llmBase = '',
  provider: 'anthropic' | 'openai' = 'anthropic',
): string {
  const model = provider === 'openai' ? '\n      model: gpt-test' : '';
  return `triggers:
  - id: fix-issue
    provider: generic
    workflowId: ${WORKFLOW_ID}
    workspacePath: ${ws}
    goalTemplate: "Fix issue #{{$.issue.number}}: {{$.issue.title}}"
    hmacSecret: $WEBHOOK_SECRET
    dispatchCondition: { payloadPath: $.action, in: [opened, labeled] }
    agentConfig:
      provider: ${provider}${model}
      baseUrl: ${llmBase}
      apiKey: $LLM_KEY
${extra}`;
}

/** The handoff artifact of an agent that wrote hello.txt: what delivery commits and opens a PR with. */
export const HELLO_HANDOFF = {
  kind: 'worktrain.handoff',
  commitType: 'feat',
  commitScope: '',
  commitSubject: 'say hello',
  prTitle: 'Say hello',
  prBody: '## Summary\nAdds hello.txt.\n',
  filesChanged: ['hello.txt'],
};

export interface WorktrainRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment of a user whose WORKRAIL_HOME (and HOME) is `home`. */
export const homeEnv = (home: string): Record<string, string> => ({ HOME: home, WORKRAIL_HOME: home });

/**
 * `worktrain <argv>` in process with `env` (plus PATH) in `cwd`; `untilStopped` stands for the signal that ends a
 * long-running command (by default it returns at once).
 */
export async function runWorktrain(
  argv: readonly string[],
  options: { env: Record<string, string>; cwd: string; untilStopped?: () => Promise<void> },
): Promise<WorktrainRun> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: (text: string) => {
      stdout += text;
    },
    stderr: (text: string) => {
      stderr += text;
    },
    env: { PATH: process.env.PATH ?? '', ...options.env },
    cwd: options.cwd,
  };
  const code = await main(argv, io, options.untilStopped ?? (async () => undefined));
  return { code, stdout, stderr };
}
