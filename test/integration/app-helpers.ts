import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect } from 'vitest';
import { type App, createApp } from '../../src/app/create-app.js';
import type { AppError } from '../../src/app/errors.js';
import type { ExecutionResponse, StepResponse } from '../../src/app/execution-response.js';
import type { Result } from '../../src/app/result.js';

const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

export function tempDir(prefix = 'workrail-app-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface TestApp {
  readonly app: App;
  readonly home: string;
  /** Advances the fixed clock. */
  tick(ms?: number): void;
}

/** Fresh deps over a temporary WORKRAIL_HOME (sessions in <home>/data) with a controllable clock. */
export function testApp(options: { lockWaitMs?: number; home?: string } = {}): TestApp {
  const home = options.home ?? tempDir();
  let now = 1_767_225_600_000;
  const app = createApp({
    env: { WORKRAIL_HOME: home, WORKFLOW_INCLUDE_USER: 'false' },
    clock: { now: () => now },
    ...(options.lockWaitMs === undefined ? {} : { lockWaitMs: options.lockWaitMs }),
  });
  cleanups.push(() => app.close());
  return {
    app,
    home,
    tick(ms = 1000) {
      now += ms;
    },
  };
}

export function writeJson(dir: string, relPath: string, content: unknown): string {
  const file = path.join(dir, relPath);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

/** A workspace holding `workflows` as project workflows. */
export function workspaceWith(...workflows: Record<string, unknown>[]): string {
  const ws = tempDir('workrail-ws-');
  for (const workflow of workflows) writeJson(ws, `.workrail/workflows/${String(workflow.id)}.json`, workflow);
  return ws;
}

/** Plan, a `for` loop of two passes over implement/verify, then a summary. */
export const LOOP_WORKFLOW = {
  id: 'acme.loop-demo',
  name: 'Loop demo',
  description: 'Plans, iterates twice, summarises.',
  version: '1.0.0',
  metaGuidance: ['Keep notes short.'],
  steps: [
    { id: 'plan', title: 'Plan for {{goal}}', prompt: 'Plan the work for {{goal}}.' },
    {
      id: 'passes',
      type: 'loop',
      title: 'Passes',
      loop: { type: 'for', count: 2, maxIterations: 5 },
      body: [
        { id: 'implement', title: 'Implement pass {{currentIteration}}', prompt: 'Implement.' },
        { id: 'verify', title: 'Verify', prompt: 'Verify.' },
      ],
    },
    { id: 'summary', title: 'Summary', prompt: 'Summarise.', requireConfirmation: true },
  ],
};

/** One step that needs a `wr.loop_control`-free contract: notes are required. */
export const SIMPLE_WORKFLOW = {
  id: 'acme.simple',
  name: 'Simple',
  description: 'Two steps.',
  version: '1.0.0',
  steps: [
    { id: 'first', title: 'First', prompt: 'Do the first thing.' },
    { id: 'second', title: 'Second', prompt: 'Do the second thing.' },
  ],
};

export function expectOk<T>(result: Result<T, AppError>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

export function expectErr<T>(result: Result<T, AppError>, code: AppError['code']): AppError {
  if (result.ok) throw new Error(`expected ${code}, got ok: ${JSON.stringify(result.value).slice(0, 300)}`);
  expect(result.error.code).toBe(code);
  return result.error;
}

export function asStep(response: ExecutionResponse): StepResponse {
  if (response.kind === 'gate_checkpoint') throw new Error('expected a step response, got a gate');
  return response;
}

/** `git` in `cwd` with a fixed identity; returns stdout trimmed. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.com',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.com',
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: cwd,
    },
  }).trim();
}

/** A git repository with one commit on branch `main`. */
export function gitRepo(dir = tempDir('workrail-git-')): string {
  git(dir, 'init', '-q', '-b', 'main');
  writeFileSync(path.join(dir, 'README.md'), 'hello\n');
  git(dir, 'add', 'README.md');
  git(dir, 'commit', '-q', '-m', 'initial');
  return dir;
}

export function commit(dir: string, message: string): string {
  writeFileSync(path.join(dir, `${message.replace(/\W+/g, '-')}.txt`), `${message}\n`);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}
