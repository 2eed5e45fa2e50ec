// WorkTrain's worktrees under `~/.workrail/worktrees/<sessionId>` (docs/worktrain.md §8.1, §10 `worktree list|clean`):
// the git facts of each one, and which of them `clean` may remove. Only directories inside that folder are ever
// touched; live sessions never; dirty or delivery_failed worktrees only with `force`.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

export interface WorktreeEntry {
  readonly path: string;
  readonly sessionId: string;
  readonly branch: string | null;
  /** The daemon session state, or `unknown` when neither the daemon nor its database could say. */
  readonly state: string;
  /** Time since the directory last changed. */
  readonly ageMs: number;
  readonly dirty: boolean;
  /** The branch has an upstream and HEAD has nothing the upstream lacks. */
  readonly pushed: boolean;
  /** HEAD is contained in the base branch (`origin/HEAD`, else `origin/main`, else `main`). */
  readonly merged: boolean;
  readonly base: string | null;
  readonly orphan: boolean;
  readonly orphanReason: 'no_session' | 'git_unknown' | null;
  /** The main checkout the worktree belongs to, when git still knows it. */
  readonly repo: string | null;
}

/** `null` = the session is not known; `unknown` = nobody could be asked. */
export type SessionStateLookup = (sessionId: string) => Promise<string | null>;

/** Sessions that may still use their worktree (`interrupted` ones resume at the next daemon start). */
const LIVE_STATES = ['queued', 'preparing', 'running', 'parked', 'delivering', 'interrupted'];

export function worktreesRoot(workrailHome: string): string {
  return path.join(workrailHome, 'worktrees');
}

export async function listWorktrees(
  workrailHome: string,
  stateOf: SessionStateLookup,
  now: number,
): Promise<WorktreeEntry[]> {
  const root = worktreesRoot(workrailHome);
  if (!existsSync(root)) return [];
  const entries: WorktreeEntry[] = [];
  for (const name of readdirSync(root).sort()) {
    const dir = path.join(root, name);
    if (!isInside(root, dir) || !statSync(dir).isDirectory()) continue;
    const state = await stateOf(name);
    entries.push(inspect(dir, name, state, now));
  }
  return entries;
}

function inspect(dir: string, sessionId: string, state: string | null, now: number): WorktreeEntry {
  const git = (...args: string[]) => run(dir, args);
  // Without its own `.git` file, git would answer for whatever repository encloses the folder.
  const commonDir = existsSync(path.join(dir, '.git'))
    ? git('rev-parse', '--path-format=absolute', '--git-common-dir')
    : null;
  const repo = commonDir === null ? null : path.basename(commonDir) === '.git' ? path.dirname(commonDir) : commonDir;
  const known =
    repo !== null &&
    (run(repo, ['worktree', 'list', '--porcelain']) ?? '')
      .split('\n')
      .some((line) => line.startsWith('worktree ') && samePath(line.slice('worktree '.length), dir));
  const upstream = known ? git('rev-parse', '--abbrev-ref', '--symbolic-full-name', '@{u}') : null;
  const base = known ? baseRef(dir) : null;
  const orphanReason = !known ? 'git_unknown' : state === null ? 'no_session' : null;
  return {
    path: dir,
    sessionId,
    branch: known ? git('symbolic-ref', '--short', '-q', 'HEAD') : null,
    state: state ?? 'unknown',
    ageMs: Math.max(0, now - statSync(dir).mtimeMs),
    dirty: known && (git('status', '--porcelain') ?? '') !== '',
    pushed: upstream !== null && git('rev-list', '--count', '@{u}..HEAD') === '0',
    merged: base !== null && git('merge-base', '--is-ancestor', 'HEAD', base) !== null,
    base,
    orphan: orphanReason !== null,
    orphanReason,
    repo: known ? repo : null,
  };
}

export interface CleanFilter {
  readonly merged?: boolean;
  readonly olderThanMs?: number;
  readonly force?: boolean;
}

export interface CleanPlan {
  readonly remove: readonly WorktreeEntry[];
  readonly keep: readonly { readonly entry: WorktreeEntry; readonly reason: string }[];
}

/** Which worktrees `clean` removes: those matching every filter, except live, and (without force) dirty ones. */
export function planClean(entries: readonly WorktreeEntry[], filter: CleanFilter): CleanPlan {
  const remove: WorktreeEntry[] = [];
  const keep: { entry: WorktreeEntry; reason: string }[] = [];
  for (const entry of entries) {
    if (filter.merged === true && !entry.merged)
      keep.push({ entry, reason: `not merged into ${entry.base ?? 'base'}` });
    else if (filter.olderThanMs !== undefined && entry.ageMs < filter.olderThanMs)
      keep.push({ entry, reason: 'too recent' });
    else if (LIVE_STATES.includes(entry.state)) keep.push({ entry, reason: `session is ${entry.state}` });
    else if (entry.dirty && filter.force !== true) keep.push({ entry, reason: 'uncommitted changes (use --force)' });
    else if (entry.state === 'delivery_failed' && filter.force !== true) {
      keep.push({ entry, reason: 'delivery failed; retry with worktrain sessions deliver, or use --force' });
    } else remove.push(entry);
  }
  return { remove, keep };
}

/** Removes one worktree of the plan (`git worktree remove`, then `prune`); a folder git forgot is deleted. */
export function removeWorktree(
  workrailHome: string,
  entry: WorktreeEntry,
  force: boolean,
): { ok: true } | { ok: false; error: string } {
  const root = worktreesRoot(workrailHome);
  if (!isInside(root, entry.path)) return { ok: false, error: `${entry.path} is not inside ${root}` };
  if (entry.repo !== null) {
    const args = ['worktree', 'remove', ...(force ? ['--force'] : []), entry.path];
    try {
      execFileSync('git', args, { cwd: entry.repo, stdio: 'pipe' });
    } catch (error) {
      return { ok: false, error: gitMessage(error) };
    }
    run(entry.repo, ['worktree', 'prune']);
    return { ok: true };
  }
  rmSync(entry.path, { recursive: true, force: true });
  return { ok: true };
}

function baseRef(dir: string): string | null {
  const originHead = run(dir, ['rev-parse', '--abbrev-ref', 'origin/HEAD']);
  if (originHead !== null && originHead !== 'origin/HEAD') return originHead;
  for (const candidate of ['origin/main', 'main']) {
    if (run(dir, ['rev-parse', '--verify', '-q', `${candidate}^{commit}`]) !== null) return candidate;
  }
  return null;
}

/** stdout of a git command (trimmed), or null when it fails. */
function run(cwd: string, args: readonly string[]): string | null {
  try {
    return execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

function gitMessage(error: unknown): string {
  const stderr = (error as { stderr?: Buffer | string }).stderr;
  const text = stderr === undefined ? String(error) : stderr.toString().trim();
  return text.split('\n')[0] ?? text;
}

/** `child` is `root` or below it once symlinks are resolved. */
function isInside(root: string, child: string): boolean {
  try {
    const rel = path.relative(realpathSync(root), realpathSync(child));
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  } catch {
    return false;
  }
}

function samePath(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return path.resolve(a) === path.resolve(b);
  }
}
