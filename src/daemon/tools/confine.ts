// Workspace confinement (docs/worktrain.md §6.4): a path parameter resolves against the root, `..` is normalised,
// and the real path of the deepest existing ancestor must be inside the root's real path, so neither `../` nor a
// symlink can lead out.
import { lstatSync, realpathSync } from 'node:fs';
import path from 'node:path';

export type Confined = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly error: string };

/** Resolves `given` inside the root; the error reads `<Tool>: path '<p>' is outside the session workspace`. */
export function confinePath(tool: string, given: string, root: string, rootReal: string): Confined {
  const outside: Confined = { ok: false, error: `${tool}: path '${given}' is outside the session workspace` };
  const candidate = path.isAbsolute(given) ? path.normalize(given) : path.resolve(root, given);
  const lexicalBase = path.isAbsolute(given) && isInside(candidate, rootReal) ? rootReal : root;
  if (!isInside(candidate, lexicalBase)) return outside;
  let probe = candidate;
  for (;;) {
    let exists = true;
    try {
      lstatSync(probe);
    } catch {
      exists = false;
    }
    if (exists) {
      let real: string;
      try {
        real = realpathSync(probe);
      } catch {
        return outside;
      }
      if (!isInside(real, rootReal)) return outside;
      const rest = path.relative(probe, candidate);
      return { ok: true, path: rest === '' ? real : path.join(real, rest) };
    }
    const parent = path.dirname(probe);
    if (parent === probe) return outside;
    probe = parent;
  }
}

/** True when `p` is `base` or below it (both absolute and normalised). */
export function isInside(p: string, base: string): boolean {
  const relative = path.relative(base, p);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** True when the path (inside the root) lies in the repository's `.git` directory. */
export function isInGitDir(p: string, rootReal: string): boolean {
  return path.relative(rootReal, p).split(path.sep)[0] === '.git';
}
