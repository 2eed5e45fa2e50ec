// Read, Write and Edit (docs/worktrain.md §6.3), confined to the session root.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { confinePath, isInGitDir } from './confine.js';
import { type AgentTool, defineTool, errorResult, okResult, type ToolContext } from './tool.js';
import { truncateMiddle } from './truncate.js';

const LARGE_FILE_BYTES = 256 * 1024;
const DEFAULT_LIMIT = 2000;

export const readTool: AgentTool = defineTool(
  'Read',
  'Read a text file in the workspace. Returns lines as "<n>\\t<text>" numbered from 1.',
  z.object({
    filePath: z.string().min(1).describe('Path relative to the workspace root (or absolute inside it)'),
    offset: z.number().int().min(0).optional().describe('0-based first line'),
    limit: z.number().int().positive().optional().describe('Number of lines (default 2000)'),
  }),
  (input, ctx) => {
    const target = confinePath('Read', input.filePath, ctx.root, ctx.rootReal);
    if (!target.ok) return errorResult(target.error);
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(target.path);
    } catch {
      return errorResult(`Read: ${input.filePath} does not exist`);
    }
    if (!stat.isFile()) return errorResult(`Read: ${input.filePath} is not a regular file`);
    if (stat.size > LARGE_FILE_BYTES && input.offset === undefined && input.limit === undefined) {
      return errorResult(`Read: ${input.filePath} is ${stat.size} bytes; pass offset and limit to read part of it`);
    }
    const bytes = readFileSync(target.path);
    if (bytes.subarray(0, 8192).includes(0)) return errorResult(`Read: ${input.filePath} is a binary file`);
    ctx.readFiles.set(target.path, { mtimeMs: stat.mtimeMs, size: stat.size });
    const offset = input.offset ?? 0;
    const lines = bytes.toString('utf8').split('\n');
    const shown = lines.slice(offset, offset + (input.limit ?? DEFAULT_LIMIT));
    return okResult(truncateMiddle(shown.map((line, i) => `${offset + i + 1}\t${line}`).join('\n')));
  },
);

export const writeTool: AgentTool = defineTool(
  'Write',
  'Write a file in the workspace (creates parent directories). An existing file must be Read first.',
  z.object({ filePath: z.string().min(1), content: z.string() }),
  (input, ctx) => {
    const target = writableTarget('Write', input.filePath, ctx);
    if (!target.ok) return errorResult(target.error);
    mkdirSync(path.dirname(target.path), { recursive: true });
    writeFileSync(target.path, input.content);
    remember(ctx, target.path);
    return okResult(`Wrote ${Buffer.byteLength(input.content)} bytes to ${path.relative(ctx.rootReal, target.path)}`);
  },
);

export const editTool: AgentTool = defineTool(
  'Edit',
  'Replace an exact string in a file that was Read in this session.',
  z.object({
    file_path: z.string().min(1),
    old_string: z.string().min(1),
    new_string: z.string(),
    replace_all: z.boolean().optional(),
  }),
  (input, ctx) => {
    if (input.old_string === input.new_string) return errorResult('Edit: old_string and new_string are the same');
    const target = writableTarget('Edit', input.file_path, ctx);
    if (!target.ok) return errorResult(target.error);
    if (!ctx.readFiles.has(target.path)) return errorResult(`Edit: Read ${input.file_path} before editing it`);
    const text = readFileSync(target.path, 'utf8');
    let needle = input.old_string;
    let count = occurrences(text, needle);
    if (count === 0) {
      const loose = findLoose(text, needle);
      if (loose !== null) {
        needle = loose;
        count = occurrences(text, needle);
      }
    }
    if (count === 0) return errorResult(`Edit: old_string was not found in ${input.file_path}`);
    if (count > 1 && input.replace_all !== true) {
      return errorResult(
        `Edit: old_string occurs ${count} times in ${input.file_path}; add context or set replace_all`,
      );
    }
    const updated =
      input.replace_all === true
        ? text.split(needle).join(input.new_string)
        : text.replace(needle, () => input.new_string);
    writeFileSync(target.path, updated);
    remember(ctx, target.path);
    return okResult(`Edited ${input.file_path}:\n${truncateMiddle(input.new_string, 4000)}`);
  },
);

function writableTarget(tool: string, given: string, ctx: ToolContext) {
  const target = confinePath(tool, given, ctx.root, ctx.rootReal);
  if (!target.ok) return target;
  if (isInGitDir(target.path, ctx.rootReal))
    return { ok: false as const, error: `${tool}: refusing to write inside .git` };
  let stat: ReturnType<typeof statSync> | undefined;
  try {
    stat = statSync(target.path);
  } catch {
    stat = undefined;
  }
  if (stat === undefined) return target;
  if (!stat.isFile()) return { ok: false as const, error: `${tool}: ${given} is not a regular file` };
  const seen = ctx.readFiles.get(target.path);
  if (seen === undefined) return { ok: false as const, error: `${tool}: ${given} exists; Read it before changing it` };
  if (seen.mtimeMs !== stat.mtimeMs || seen.size !== stat.size) {
    return { ok: false as const, error: `${tool}: ${given} changed since it was Read; Read it again` };
  }
  return target;
}

function remember(ctx: ToolContext, file: string): void {
  const stat = statSync(file);
  ctx.readFiles.set(file, { mtimeMs: stat.mtimeMs, size: stat.size });
}

function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

const ASCII: { [ch: string]: string } = { '‘': "'", '’': "'", '“': '"', '”': '"', '–': '-', '—': '-' };

/** The text's own spelling of `needle` when they differ only in curly quotes and dashes. */
function findLoose(text: string, needle: string): string | null {
  const fold = (s: string) => s.replace(/[‘’“”–—]/g, (ch) => ASCII[ch] ?? ch);
  const index = fold(text).indexOf(fold(needle));
  return index < 0 ? null : text.slice(index, index + needle.length);
}
