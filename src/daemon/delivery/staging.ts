// Stages the handoff's filesChanged (docs/worktrain.md §8.3 stage 2), refusing any path that leaves the worktree.
import { lstatSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { git } from './git.js';

/** null when every path stays inside the worktree, else the first offending path and why. */
export function confinementError(worktreePath: string, files: readonly string[]): string | null {
  const root = realpathSync(worktreePath);
  for (const file of files) {
    if (path.isAbsolute(file) || /^[a-zA-Z]:[\\/]/.test(file)) return `filesChanged path "${file}" is absolute`;
    const segments = file.split(/[\\/]+/);
    if (segments.includes('..')) return `filesChanged path "${file}" contains ".."`;
    if (segments[0] === '.git') return `filesChanged path "${file}" is inside .git`;
    const link = symlinkEscape(root, segments);
    if (link !== null) return `filesChanged path "${file}" leaves the worktree through the symlink "${link}"`;
  }
  return null;
}

/** `git add -- <files>` after confinement; returns null or the reason the stage fails. */
export async function stageFiles(worktreePath: string, files: readonly string[]): Promise<string | null> {
  const confined = confinementError(worktreePath, files);
  if (confined !== null) return confined;
  const added = await git(worktreePath, ['add', '--', ...files]);
  return added.ok ? null : `git add failed: ${added.message}`;
}

/** The first existing path component (the file itself included) whose real path is outside `root`, else null. */
function symlinkEscape(root: string, segments: readonly string[]): string | null {
  let current = root;
  for (const [index, segment] of segments.entries()) {
    if (segment === '' || segment === '.') continue;
    current = path.join(current, segment);
    let isLink: boolean;
    try {
      isLink = lstatSync(current).isSymbolicLink();
    } catch {
      return null;
    }
    if (!isLink) continue;
    let target: string;
    try {
      target = realpathSync(current);
    } catch {
      return segments.slice(0, index + 1).join('/');
    }
    if (target !== root && !target.startsWith(root + path.sep)) return segments.slice(0, index + 1).join('/');
  }
  return null;
}
