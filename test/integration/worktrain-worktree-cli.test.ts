import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DaemonSession } from '../../src/daemon/sessions.js';
import { signBody } from '../../src/daemon/signature.js';
import { openDaemonDb } from '../../src/daemon/state/daemon-db.js';
import { createSidecarStore } from '../../src/daemon/state/sidecars.js';
import { API_KEY, startScriptedLlmServer } from '../support/scripted-llm-server.js';
import {
  gitWorkspace,
  homeEnv,
  runWorktrain,
  startTestDaemon,
  tempDir,
  triggersYml,
} from '../support/worktrain-harness.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const ID = {
  merged: '11111111-0000-4000-8000-000000000001',
  unmerged: '22222222-0000-4000-8000-000000000002',
  dirty: '33333333-0000-4000-8000-000000000003',
  running: '44444444-0000-4000-8000-000000000004',
  forgotten: '55555555-0000-4000-8000-000000000005',
};

// Port 1 (the default here) refuses connections: no daemon answers, so states come from daemon.db.
const worktrain = (argv: string[], home: string, port = '1') =>
  runWorktrain(argv, { env: { ...homeEnv(home), WORKRAIL_TRIGGER_PORT: port }, cwd: home });

interface Listed {
  path: string;
  sessionId: string;
  branch: string | null;
  state: string;
  age: string;
  ageMs: number;
  dirty: boolean;
  pushed: boolean;
  merged: boolean;
  orphan: boolean;
  orphanReason: string | null;
}

/**
 * A workspace with five worktrees under WORKRAIL_HOME/worktrees: one merged into main, one with an unmerged commit,
 * one with uncommitted changes, one whose session is running, and a folder git no longer knows.
 */
function fixture() {
  const ws = gitWorkspace(cleanups);
  const home = tempDir(cleanups, 'worktrain-wt-home-');
  const root = path.join(home, 'worktrees');
  mkdirSync(root);
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, stdio: 'pipe' })
      .toString()
      .trim();
  const add = (id: string) => {
    git(ws, 'worktree', 'add', '-q', '-b', `worktrain/${id}`, path.join(root, id), 'main');
    return path.join(root, id);
  };
  const commit = (dir: string, file: string) => {
    writeFileSync(path.join(dir, file), `${file}\n`);
    git(dir, 'add', file);
    git(dir, 'commit', '-q', '-m', `add ${file}`);
  };
  commit(add(ID.merged), 'merged.txt');
  git(ws, 'merge', '-q', '--ff-only', `worktrain/${ID.merged}`);
  commit(add(ID.unmerged), 'feature.txt');
  writeFileSync(path.join(add(ID.dirty), 'AGENTS.md'), 'changed, not committed\n');
  add(ID.running);
  mkdirSync(path.join(root, ID.forgotten));
  writeFileSync(path.join(root, ID.forgotten, 'leftover.txt'), 'x\n');

  const db = openDaemonDb(path.join(home, 'data'));
  const store = createSidecarStore(db);
  const states: [string, string][] = [
    [ID.merged, 'completed'],
    [ID.dirty, 'completed'],
    [ID.running, 'running'],
    [ID.forgotten, 'completed'],
  ];
  for (const [sessionId, state] of states) store.save({ sessionId, state } as unknown as DaemonSession);
  db.close();
  return { ws, home, root, git };
}

describe('worktrain worktree list', () => {
  it('lists each worktree with branch, session state, age, dirty, pushed, merged and orphan', async () => {
    const { home, root } = fixture();
    const { code, stdout, stderr } = await worktrain(['worktree', 'list', '--json'], home);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const listed = (JSON.parse(stdout) as { worktrees: Listed[] }).worktrees;
    const byId = new Map(listed.map((w) => [w.sessionId, w]));
    expect(listed.map((w) => w.sessionId)).toEqual(Object.values(ID));
    expect(byId.get(ID.merged)).toMatchObject({
      path: path.join(root, ID.merged),
      branch: `worktrain/${ID.merged}`,
      state: 'completed',
      dirty: false,
      pushed: false,
      merged: true,
      orphan: false,
      orphanReason: null,
    });
    expect(byId.get(ID.merged)?.age).toMatch(/^\d+[mhd]$/);
    expect(byId.get(ID.unmerged)).toMatchObject({
      merged: false,
      dirty: false,
      orphan: true,
      orphanReason: 'no_session',
    });
    expect(byId.get(ID.dirty)).toMatchObject({ dirty: true, merged: true });
    expect(byId.get(ID.running)).toMatchObject({ state: 'running', merged: true, orphan: false });
    expect(byId.get(ID.forgotten)).toMatchObject({ branch: null, orphan: true, orphanReason: 'git_unknown' });

    const text = await worktrain(['worktree', 'list'], home);
    expect(text.stdout.split('\n')[0]).toMatch(
      /^SESSION\s+BRANCH\s+STATE\s+AGE\s+DIRTY\s+PUSHED\s+MERGED\s+ORPHAN\s+PATH$/,
    );
  });
});

describe('worktrain worktree clean', () => {
  it('is a dry run without --yes and removes nothing', async () => {
    const { home, root } = fixture();
    const { code, stdout } = await worktrain(['worktree', 'clean', '--merged'], home);
    expect(code).toBe(0);
    expect(stdout).toContain(`would remove ${path.join(root, ID.merged)}`);
    expect(stdout).toContain(`kept ${path.join(root, ID.dirty)}: uncommitted changes (use --force)`);
    expect(stdout).toContain(`kept ${path.join(root, ID.running)}: session is running`);
    expect(stdout).toContain('Dry run');
    for (const id of Object.values(ID)) expect(existsSync(path.join(root, id))).toBe(true);
  });

  it('with --yes --merged removes only merged, clean, finished worktrees; dirty ones need --force', async () => {
    const { ws, home, root, git } = fixture();
    const first = await worktrain(['worktree', 'clean', '--merged', '--yes', '--json'], home);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      dryRun: false,
      removed: [path.join(root, ID.merged)],
      failed: [],
    });
    expect(existsSync(path.join(root, ID.merged))).toBe(false);
    expect(git(ws, 'worktree', 'list')).not.toContain(ID.merged);
    expect(git(ws, 'branch', '--list', `worktrain/${ID.merged}`)).toContain(ID.merged);
    for (const id of [ID.unmerged, ID.dirty, ID.running, ID.forgotten])
      expect(existsSync(path.join(root, id))).toBe(true);

    const forced = await worktrain(['worktree', 'clean', '--merged', '--yes', '--force', '--json'], home);
    expect(JSON.parse(forced.stdout)).toMatchObject({ removed: [path.join(root, ID.dirty)] });
    expect(existsSync(path.join(root, ID.dirty))).toBe(false);
    expect(existsSync(path.join(root, ID.running))).toBe(true);
    expect(existsSync(path.join(root, ID.unmerged))).toBe(true);
  });

  it('with --older-than selects worktrees unchanged for that long, including folders git forgot', async () => {
    const { home, root } = fixture();
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000);
    for (const id of [ID.unmerged, ID.forgotten, ID.running]) utimesSync(path.join(root, id), tenDaysAgo, tenDaysAgo);
    const { stdout } = await worktrain(['worktree', 'clean', '--older-than', '7d', '--yes', '--json'], home);
    const result = JSON.parse(stdout) as { removed: string[]; kept: { path: string; reason: string }[] };
    expect(result.removed.sort()).toEqual([path.join(root, ID.forgotten), path.join(root, ID.unmerged)].sort());
    expect(result.kept).toContainEqual({ path: path.join(root, ID.running), reason: 'session is running' });
    expect(existsSync(path.join(root, ID.merged))).toBe(true);

    expect((await worktrain(['worktree', 'clean', '--older-than', 'soon'], home)).code).toBe(2);
  });
});

describe('worktrain worktree with the daemon running', () => {
  it("takes session states from the daemon and keeps a running session's worktree", async () => {
    const llm = await startScriptedLlmServer({ script: () => ({ text: 'thinking', delayMs: 20_000 }) });
    cleanups.push(() => llm.close());
    const ws = gitWorkspace(cleanups);
    const secret = 'whsec-worktree-cli-31b2';
    const { daemon, home } = await startTestDaemon(cleanups, {
      triggers: triggersYml(ws, '', llm.anthropicBaseUrl),
      dotEnv: `WEBHOOK_SECRET=${secret}\nLLM_KEY=${API_KEY}\n`,
    });
    const body = JSON.stringify({ action: 'opened', issue: { number: 7, title: 'Slow page' } });
    const answer = await fetch(`${daemon.url}/webhook/fix-issue`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'X-WorkRail-Signature': signBody(secret, body) },
    });
    const running = ((await answer.json()) as { sessionId: string }).sessionId;
    for (let i = 0; llm.requests.length === 0 && i < 400; i++) await new Promise((r) => setTimeout(r, 25));
    const root = path.join(home, 'worktrees');
    for (const id of [running, ID.unmerged]) {
      execFileSync('git', ['worktree', 'add', '-q', '-b', `worktrain/${id}`, path.join(root, id), 'main'], { cwd: ws });
    }

    const port = String(daemon.port);
    const listed = JSON.parse((await worktrain(['worktree', 'list', '--json'], home, port)).stdout) as {
      worktrees: Listed[];
    };
    const byId = new Map(listed.worktrees.map((w) => [w.sessionId, w]));
    expect(byId.get(running)).toMatchObject({ state: 'running', orphan: false });
    expect(byId.get(ID.unmerged)).toMatchObject({ state: 'unknown', orphan: true, orphanReason: 'no_session' });

    const cleaned = JSON.parse((await worktrain(['worktree', 'clean', '--yes', '--json'], home, port)).stdout) as {
      removed: string[];
      kept: { path: string; reason: string }[];
    };
    expect(cleaned.removed).toEqual([path.join(root, ID.unmerged)]);
    expect(cleaned.kept).toEqual([{ path: path.join(root, running), reason: 'session is running' }]);
    expect(existsSync(path.join(root, running))).toBe(true);
  });
});
