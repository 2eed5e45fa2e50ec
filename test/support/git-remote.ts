// Real git for the WorkTrain tests (docs/worktrain.md §12.1): a bare repository as `origin` and a clone as the
// workspace, with a first commit on main holding AGENTS.md, a PR template and the fixture workflow.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './worktrain-harness.js';

const FIXTURE = path.join(import.meta.dirname, '..', 'fixtures', 'llm', 'wt-fixture-workflow.json');

/** The PR template committed in the workspace; every `## ` heading must reach the PR body. */
export const PR_TEMPLATE = `## Summary
Describe the change.

## Testing
How was it tested?

## Checklist
- [ ] Docs updated
`;
export const PR_TEMPLATE_HEADINGS = ['## Summary', '## Testing', '## Checklist'];

const IDENTITY = ['-c', 'user.name=t', '-c', 'user.email=t@example.com'];

/** Runs git in `cwd` and returns its trimmed stdout; throws with git's stderr on failure. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, stdio: 'pipe', encoding: 'utf8' }).trim();
}

/** Runs git against the bare repository `remote` (`git --git-dir <remote> ...`). */
export function gitRemote(remote: string, ...args: string[]): string {
  return execFileSync('git', ['--git-dir', remote, ...args], { stdio: 'pipe', encoding: 'utf8' }).trim();
}

/**
 * A bare `origin` (default branch main) and a clone of it as the workspace. The clone's first commit on main holds
 * AGENTS.md, `.github/PULL_REQUEST_TEMPLATE.md` and the fixture workflow; it is pushed and `origin/HEAD` is set.
 * The workspace has a local user.name/user.email so tests can commit without a global identity.
 */
export function gitRemoteWorkspace(cleanups: (() => unknown)[]): { workspace: string; remote: string } {
  const root = tempDir(cleanups, 'worktrain-git-');
  const remote = path.join(root, 'origin.git');
  const workspace = path.join(root, 'workspace');
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote], { stdio: 'pipe' });
  execFileSync('git', ['init', '-q', '-b', 'main', workspace], { stdio: 'pipe' });
  mkdirSync(path.join(workspace, '.workrail', 'workflows'), { recursive: true });
  mkdirSync(path.join(workspace, '.github'), { recursive: true });
  writeFileSync(path.join(workspace, '.workrail', 'workflows', 'wt-fixture.json'), readFileSync(FIXTURE));
  writeFileSync(path.join(workspace, 'AGENTS.md'), '# Agent rules\nAlways write tests.\n');
  writeFileSync(path.join(workspace, '.github', 'PULL_REQUEST_TEMPLATE.md'), PR_TEMPLATE);
  git(workspace, 'config', 'user.name', 't');
  git(workspace, 'config', 'user.email', 't@example.com');
  git(workspace, 'config', 'commit.gpgsign', 'false');
  git(workspace, 'add', '--', 'AGENTS.md', '.github', '.workrail');
  git(workspace, ...IDENTITY, 'commit', '-q', '-m', 'first');
  git(workspace, 'remote', 'add', 'origin', remote);
  git(workspace, 'push', '-q', '--set-upstream', 'origin', 'main');
  git(workspace, 'remote', 'set-head', 'origin', 'main');
  return { workspace, remote };
}
