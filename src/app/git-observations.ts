// Git facts of a workspace (docs: mcp-protocol.md §8 anchors, §10 observation_recorded), read straight from the
// repository files: `.git` (a directory, or a `gitdir:` file in a linked worktree), `commondir`, `HEAD`, loose refs
// and `packed-refs`. No git process is spawned, so a call costs a few small file reads. Where a workspace's `.git` is
// (the walk up the directory tree) is remembered per workspace path for DIRS_TTL_MS; HEAD and refs are read every call.
import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { sha256Hex } from '../workflow/canonical.js';
import { createTtlCache } from '../workflow/ttl-cache.js';

export interface GitFacts {
  /** The main worktree's root, shared by every worktree of the repository (the git dir itself when bare). */
  readonly repoRoot: string;
  /** SHA-256 hex of `repoRoot`. */
  readonly repoRootHash: string;
  /** The checked-out branch without `refs/heads/`; null when HEAD is detached. */
  readonly branch: string | null;
  /** The commit HEAD points at; null in a repository without commits. */
  readonly headSha: string | null;
}

const SHA = /^[0-9a-f]{40}$/;
const MAX_SYMREF_DEPTH = 5;
/** How long a workspace's git dir lookup is reused: a repository created or moved is seen within a second. */
const DIRS_TTL_MS = 1000;
const DIRS_CACHE_LIMIT = 256;

/** The git facts of the repository containing `workspacePath`, or null when it is not inside one. Never throws. */
export function readGitFacts(workspacePath: string): GitFacts | null {
  try {
    const workspace = path.resolve(workspacePath);
    let dirs = cachedGitDirs(workspace);
    let head = dirs === null ? undefined : readText(path.join(dirs.gitDir, 'HEAD'))?.trim();
    if (dirs !== null && head === undefined) {
      // The remembered git dir is gone: look again before concluding.
      dirs = cachedGitDirs(workspace, true);
      head = dirs === null ? undefined : readText(path.join(dirs.gitDir, 'HEAD'))?.trim();
    }
    if (dirs === null || head === undefined) return null;
    const { branch, headSha } = resolveHead(head, dirs);
    return { repoRoot: dirs.repoRoot, repoRootHash: dirs.repoRootHash, branch, headSha };
  } catch {
    return null;
  }
}

interface GitDirs {
  /** This worktree's git dir (holds HEAD). */
  readonly gitDir: string;
  /** The repository's shared git dir (holds refs, packed-refs). */
  readonly commonDir: string;
}

interface RepoDirs extends GitDirs {
  readonly repoRoot: string;
  readonly repoRootHash: string;
}

const dirsCache = createTtlCache<RepoDirs | null>({ ttlMs: DIRS_TTL_MS, limit: DIRS_CACHE_LIMIT });

function cachedGitDirs(workspace: string, refresh = false): RepoDirs | null {
  return dirsCache.get(workspace, () => repoDirs(findGitDirs(workspace)), refresh);
}

function repoDirs(found: GitDirs | null): RepoDirs | null {
  if (found === null) return null;
  const repoRoot = path.basename(found.commonDir) === '.git' ? path.dirname(found.commonDir) : found.commonDir;
  return { ...found, repoRoot, repoRootHash: sha256Hex(repoRoot) };
}

function findGitDirs(start: string): GitDirs | null {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const dotGit = path.join(dir, '.git');
    const kind = entryKind(dotGit);
    if (kind === 'dir') return withCommonDir(realpath(dotGit));
    if (kind === 'file') {
      const match = /^gitdir:\s*(.+)$/m.exec(readText(dotGit) ?? '');
      if (match !== null) return withCommonDir(realpath(path.resolve(dir, match[1]!.trim())));
    }
    if (path.dirname(dir) === dir) return null;
  }
}

function withCommonDir(gitDir: string): GitDirs {
  const common = readText(path.join(gitDir, 'commondir'))?.trim();
  return { gitDir, commonDir: common === undefined || common === '' ? gitDir : realpath(path.resolve(gitDir, common)) };
}

function resolveHead(head: string, dirs: GitDirs): { branch: string | null; headSha: string | null } {
  if (SHA.test(head)) return { branch: null, headSha: head };
  let ref = symbolicRef(head);
  if (ref === null) return { branch: null, headSha: null };
  const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null;
  for (let depth = 0; depth < MAX_SYMREF_DEPTH; depth++) {
    const value = readRef(ref, dirs);
    if (value === null) return { branch, headSha: null };
    if (SHA.test(value)) return { branch, headSha: value };
    const next = symbolicRef(value);
    if (next === null) return { branch, headSha: null };
    ref = next;
  }
  return { branch, headSha: null };
}

function symbolicRef(text: string): string | null {
  const match = /^ref:\s*(\S+)$/.exec(text.trim());
  return match === null ? null : match[1]!;
}

/** A ref's content: the loose file (worktree dir first, then the common dir), else its `packed-refs` line. */
function readRef(ref: string, dirs: GitDirs): string | null {
  for (const base of [dirs.gitDir, dirs.commonDir]) {
    const loose = readText(path.join(base, ref))?.trim();
    if (loose !== undefined && loose !== '') return loose;
  }
  const packed = readText(path.join(dirs.commonDir, 'packed-refs')) ?? '';
  for (const line of packed.split('\n')) {
    const [sha, name] = line.trim().split(/\s+/);
    if (name === ref && sha !== undefined && SHA.test(sha)) return sha;
  }
  return null;
}

function entryKind(file: string): 'dir' | 'file' | null {
  try {
    const stats = statSync(file);
    return stats.isDirectory() ? 'dir' : stats.isFile() ? 'file' : null;
  } catch {
    return null;
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function realpath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}
