// Loads the bundled MCP server (one CommonJS file) through V8's code cache. Node 20 compiles every module from source
// on each start (module.enableCompileCache came with Node 22); compiled through vm.Script with the bytecode an earlier
// start saved, the server skips most of that work (about a quarter of its time to the first tools/list answer).
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

export interface LoadedBundle {
  /** What the bundle assigned to `module.exports`. */
  readonly exports: Record<string, unknown>;
  /**
   * Saves the bytecode of every function compiled so far, for the next start, when this one found no usable cache.
   * Never throws: without a writable directory the next start compiles from source again.
   */
  saveCodeCache(): void;
}

// The bundle runs as a CommonJS module would: the same five names, its own lines numbered as in the file.
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) {\n';
const WRAPPER_TAIL = '\n})';

/** Runs `file` (CommonJS) with the code cache saved beside it, if one fits this Node and this file. */
export function loadBundle(file: string): LoadedBundle {
  const source = readFileSync(file, 'utf8');
  const cacheFile = codeCacheFile(file);
  const cachedData = readIfPresent(cacheFile);
  const script = new vm.Script(WRAPPER_HEAD + source + WRAPPER_TAIL, {
    filename: file,
    lineOffset: -1,
    ...(cachedData === undefined ? {} : { cachedData }),
  });
  // V8 refuses a cache made by another V8 version or flags (and for a source of another length).
  const cacheUsed = cachedData !== undefined && script.cachedDataRejected !== true;
  const module = { exports: {} as Record<string, unknown> };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  let saved = cacheUsed;
  return {
    exports: module.exports,
    saveCodeCache() {
      if (saved) return;
      saved = true;
      try {
        writeAtomically(cacheFile, script.createCachedData());
      } catch {
        // A read-only install: each start compiles from source, as without a cache.
      }
    },
  };
}

/**
 * `code-cache/<name>-<node version>-<arch>-<size>-<mtime>.bin` beside the bundle: one per Node found on the machine,
 * and none that a rebuilt bundle could mistake for its own.
 */
function codeCacheFile(file: string): string {
  const { size, mtimeMs } = statSync(file);
  const key = [process.version, process.arch, size, Math.trunc(mtimeMs)].join('-');
  return path.join(path.dirname(file), 'code-cache', `${path.basename(file)}-${key}.bin`);
}

function readIfPresent(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Writes to a temporary name, then renames: a server starting meanwhile reads the old file or the whole new one. */
function writeAtomically(file: string, data: Buffer): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, data);
    renameSync(temporary, file);
  } finally {
    rmSync(temporary, { force: true });
  }
}
