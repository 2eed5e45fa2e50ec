// Glob and Grep (docs/worktrain.md §6.3): in-process, confined, never following symlinks, root-relative output.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { confinePath } from './confine.js';
import { type AgentTool, defineTool, errorResult, okResult } from './tool.js';
import { truncateMiddle } from './truncate.js';
import { globToRegExp, walkFiles } from './walk.js';

const GLOB_LIMIT = 100;

export const globTool: AgentTool = defineTool(
  'Glob',
  'Find files by glob pattern (e.g. "src/**/*.ts"). Returns workspace-relative paths, newest first.',
  z.object({ pattern: z.string().min(1), path: z.string().optional() }),
  (input, ctx) => {
    const base = confinePath('Glob', input.path ?? '.', ctx.root, ctx.rootReal);
    if (!base.ok) return errorResult(base.error);
    const prefix = path.relative(ctx.rootReal, base.path).split(path.sep).join('/');
    const matcher = globToRegExp(input.pattern);
    const matches = walkFiles(base.path, ctx.rootReal)
      .filter((file) => matcher.test(prefix === '' ? file : file.slice(prefix.length + 1)))
      .map((file) => ({ file, mtime: mtimeOf(path.join(ctx.rootReal, file)) }))
      .sort((a, b) => b.mtime - a.mtime || a.file.localeCompare(b.file));
    if (matches.length === 0) return okResult('(no matches)');
    const shown = matches.slice(0, GLOB_LIMIT).map((m) => m.file);
    if (matches.length > GLOB_LIMIT) shown.push(`[truncated: ${GLOB_LIMIT} of ${matches.length} files shown]`);
    return okResult(shown.join('\n'));
  },
);

export const grepTool: AgentTool = defineTool(
  'Grep',
  'Search file contents with a regular expression.',
  z.object({
    pattern: z.string().min(1),
    path: z.string().optional(),
    glob: z.string().optional(),
    output_mode: z.enum(['files_with_matches', 'content', 'count']).optional(),
    head_limit: z.number().int().positive().optional(),
    context: z.number().int().min(0).optional(),
    '-i': z.boolean().optional(),
  }),
  (input, ctx) => {
    const base = confinePath('Grep', input.path ?? '.', ctx.root, ctx.rootReal);
    if (!base.ok) return errorResult(base.error);
    let regex: RegExp;
    try {
      regex = new RegExp(input.pattern, input['-i'] === true ? 'i' : '');
    } catch (error) {
      return errorResult(`Grep: invalid pattern: ${error instanceof Error ? error.message : String(error)}`);
    }
    const fileFilter =
      input.glob === undefined ? null : globToRegExp(input.glob.includes('/') ? input.glob : `**/${input.glob}`);
    const files = isFile(base.path)
      ? [path.relative(ctx.rootReal, base.path).split(path.sep).join('/')]
      : walkFiles(base.path, ctx.rootReal, { skip: new Set(['.git', 'node_modules']) }).sort();
    const mode = input.output_mode ?? 'files_with_matches';
    const lines: string[] = [];
    for (const file of files) {
      if (fileFilter !== null && !fileFilter.test(file)) continue;
      const text = readText(path.join(ctx.rootReal, file));
      if (text === null) continue;
      const fileLines = text.split('\n');
      const hits = fileLines.flatMap((line, i) => (regex.test(line) ? [i] : []));
      if (hits.length === 0) continue;
      if (mode === 'files_with_matches') lines.push(file);
      else if (mode === 'count') lines.push(`${file}:${hits.length}`);
      else {
        const around = input.context ?? 0;
        const shown = new Set<number>();
        for (const hit of hits)
          for (let i = Math.max(0, hit - around); i <= Math.min(fileLines.length - 1, hit + around); i++) shown.add(i);
        for (const i of [...shown].sort((a, b) => a - b)) lines.push(`${file}:${i + 1}:${fileLines[i]}`);
      }
    }
    if (lines.length === 0) return okResult('(no matches)');
    return okResult(truncateMiddle(lines.slice(0, input.head_limit ?? 250).join('\n')));
  },
);

function readText(file: string): string | null {
  try {
    const bytes = readFileSync(file);
    return bytes.subarray(0, 8192).includes(0) ? null : bytes.toString('utf8');
  } catch {
    return null;
  }
}

function mtimeOf(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
