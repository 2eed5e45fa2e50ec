// Workflow sources (docs: workflow-format.md §11): finds workflow files on disk, validates them, and hands the
// results to catalog.ts, which decides what wins. The only module of src/workflow that touches the disk.
// Each file's outcome is cached by path, mtime and size. With `rescanAfterMs` (the app uses CATALOG_RESCAN_MS), a
// resolved catalog is also reused for that long, so a long-running server sees an edited file within that interval;
// changes made through this object (attach, detach, a newly remembered root) are seen on the next call.

import {
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  type Stats,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveBindingsFile } from './bindings.js';
import {
  type Catalog,
  type CatalogEntry,
  type CatalogWarning,
  compareStrings,
  type LoadedFile,
  type LoadedSource,
  MAX_WORKFLOW_FILE_BYTES,
  parseWorkflowFile,
  resolveCatalog,
  type SourceDescriptor,
  type SourceKind,
} from './catalog.js';
import { type CompileResult, compileWorkflow } from './compile.js';
import { buildTemplateCatalog } from './templates.js';
import { createTtlCache } from './ttl-cache.js';
import type { ReferenceDeclaration, TemplateCatalog, WorkflowDocument } from './types.js';
import { validateWorkflow } from './validate.js';

export interface WorkflowSourcesConfig {
  /** `$WORKRAIL_HOME`; holds `workflows/` (the user source) and the source registries. */
  readonly workrailHome: string;
  /** The package's own `workflows/` directory. */
  readonly bundledDir: string;
  readonly includeBundled: boolean;
  readonly includeUser: boolean;
  readonly includeProject: boolean;
  /** Entries of `WORKFLOW_STORAGE_PATH`, in order. */
  readonly storagePaths: readonly string[];
}

/** Directories remembered from the `workspacePath` of earlier calls (§11.1 row 3). */
export interface RememberedRoots {
  remember(rootPath: string, nowMs: number): void;
  /** Roots seen within the last 30 days. */
  list(nowMs: number): readonly string[];
}

export interface ManagedSource {
  readonly path: string;
  readonly addedAtMs: number;
}

/** Directories attached with `manage_workflow_source`, in attach order (§11.1 row 4). */
export interface ManagedSources {
  list(): readonly ManagedSource[];
  /** Adds `dirPath` unless present; returns the list after the change. */
  add(dirPath: string, nowMs: number): readonly ManagedSource[];
  /** Removes `dirPath` if present; returns the list after the change. */
  remove(dirPath: string): readonly ManagedSource[];
}

/** A catalog entry compiled for one workspace: project bindings applied, ready to be pinned by a session. */
export interface ResolvedWorkflow {
  readonly entry: CatalogEntry;
  readonly compiled: CompileResult;
  readonly warnings: readonly CatalogWarning[];
}

export type AttachOutcome =
  | { readonly kind: 'attached'; readonly sources: readonly ManagedSource[] }
  | { readonly kind: 'not_a_directory' };

export interface WorkflowSources {
  /** The resolved catalog for `workspacePath` (absolute), or without workspace sources when omitted. */
  list(workspacePath?: string): Catalog;
  /** The winning copy of `workflowId` (internal ones included), compiled with the workspace's bindings. */
  get(workflowId: string, workspacePath?: string): ResolvedWorkflow | undefined;
  /** Compiles `entry` with the bindings of `workspacePath`; without extension points this is the entry itself. */
  bind(entry: CatalogEntry, workspacePath?: string): ResolvedWorkflow;
  /** Templates provided by the bundled `wr.routine-*` workflows (§9.2). */
  templates(): TemplateCatalog;
  rememberRoot(rootPath: string, nowMs: number): void;
  attach(dirPath: string, nowMs: number): AttachOutcome;
  detach(dirPath: string): readonly ManagedSource[];
  managed(): readonly ManagedSource[];
  /**
   * Where a reference's `source` points (§9.6): under the workspace (default) or the package directory. `null`
   * when the path escapes its base, does not exist, or no workspace is given for a workspace reference.
   */
  resolveReference(reference: ReferenceDeclaration, workspacePath?: string): string | null;
  /** Reads a workflow file for validation; `ok: false` when it is missing or unreadable. */
  readWorkflowText(
    filePath: string,
  ): { readonly ok: true; readonly text: string } | { readonly ok: false; readonly message: string };
}

const ROOT_TTL_MS = 30 * 24 * 60 * 60 * 1000;
const ROOT_TOUCH_INTERVAL_MS = 60 * 60 * 1000;
const ROOT_SEARCH_DEPTH = 5;
const ROOT_SEARCH_SKIP = new Set(['.git', 'node_modules', 'dist', 'build', 'target', 'vendor', '.venv', 'coverage']);
const ROUTINE_PREFIX = 'wr.routine-';
const NO_TEMPLATES: TemplateCatalog = new Map();

/** The package's `workflows/` directory: two levels above this module in both `src/` and `dist/`. */
export function bundledWorkflowsDir(): string {
  return fileURLToPath(new URL('../../workflows', import.meta.url));
}

/** How long the app reuses a scanned catalog (docs/configuration.md, "Workflow discovery"). */
export const CATALOG_RESCAN_MS = 1000;
const CATALOG_CACHE_LIMIT = 64;

export interface WorkflowSourcesOptions {
  /** Current time in ms; decides which remembered roots are still fresh. */
  readonly now: () => number;
  /**
   * Reuse a scanned catalog (and the bundled templates) for this many ms instead of re-reading the directories on
   * every call. Default 0: every call rescans.
   */
  readonly rescanAfterMs?: number;
  /** Monotonic ms for `rescanAfterMs`; default `performance.now`. */
  readonly monotonicNow?: () => number;
  /** Registries; default to JSON files under `workrailHome`. */
  readonly roots?: RememberedRoots;
  readonly managed?: ManagedSources;
}

/** Builds the sources of §11.1 over `config`. */
export function createWorkflowSources(config: WorkflowSourcesConfig, options: WorkflowSourcesOptions): WorkflowSources {
  const roots = options.roots ?? jsonFileRememberedRoots(path.join(config.workrailHome, 'remembered-roots.json'));
  const managed = options.managed ?? jsonFileManagedSources(path.join(config.workrailHome, 'managed-sources.json'));
  const files = createFileCache();
  let routineDocs: readonly WorkflowDocument[] = [];
  let templateCatalog: TemplateCatalog = NO_TEMPLATES;
  const rescanAfterMs = options.rescanAfterMs ?? 0;
  const scans = { ttlMs: rescanAfterMs, ...(options.monotonicNow === undefined ? {} : { now: options.monotonicNow }) };
  const catalogs = createTtlCache<Catalog>({ ...scans, limit: CATALOG_CACHE_LIMIT });
  const bundledScan = createTtlCache<BundledScan>({ ...scans, limit: 1 });
  /** Roots this object remembered, with the time passed in, so an unchanged root is not rewritten every call. */
  const rememberedAt = new Map<string, number>();

  const forgetScans = (): void => {
    catalogs.clear();
    bundledScan.clear();
  };

  function readBundled(): BundledScan {
    return bundledScan.get('', scanBundled);
  }

  // Routines are validated first (they may not use templates), then build the catalog the others need.
  function scanBundled(): BundledScan {
    const scanned = files.scan(config.bundledDir);
    const routines = scanned.filter(isRoutine).map((file) => files.load(file, true, NO_TEMPLATES));
    const docs = routines.flatMap((file) =>
      file.kind === 'workflow' && file.report.valid && file.report.document ? [file.report.document] : [],
    );
    if (docs.length !== routineDocs.length || docs.some((doc, i) => doc !== routineDocs[i])) {
      routineDocs = docs;
      templateCatalog = buildTemplateCatalog(docs);
    }
    const others = scanned.filter((file) => !isRoutine(file)).map((file) => files.load(file, true, templateCatalog));
    return { files: [...routines, ...others], templates: templateCatalog };
  }

  function readSource(dir: string, templates: TemplateCatalog): LoadedFile[] {
    return files.scan(dir).map((file) => files.load(file, false, templates));
  }

  function list(workspacePath?: string): Catalog {
    if (rescanAfterMs <= 0) return scanCatalog(workspacePath);
    return catalogs.get(workspacePath ?? '', () => scanCatalog(workspacePath));
  }

  function scanCatalog(workspacePath?: string): Catalog {
    const bundled = readBundled();
    const sources: LoadedSource[] = [];
    const staleRoots: string[] = [];
    const seen = new Set<string>();
    const add = (kind: SourceKind, dir: string, displayName: string, reportStale: boolean): void => {
      const resolved = path.resolve(dir);
      if (seen.has(resolved)) return;
      seen.add(resolved);
      const exists = isDirectory(resolved);
      if (!exists && reportStale) staleRoots.push(resolved);
      const descriptor: SourceDescriptor = {
        sourceKey: kind === 'bundled' ? 'bundled' : `${kind}:${resolved}`,
        kind,
        displayName,
        path: kind === 'bundled' ? null : resolved,
        priority: sources.length,
      };
      const files = kind === 'bundled' ? bundled.files : exists ? readSource(resolved, bundled.templates) : [];
      sources.push({ descriptor, stale: !exists && reportStale, files });
    };

    if (config.includeBundled) add('bundled', config.bundledDir, 'Bundled', false);
    if (config.includeUser) add('user', path.join(config.workrailHome, 'workflows'), 'User', false);
    if (workspacePath !== undefined) {
      const remembered = rememberedWorkflowDirs(roots.list(options.now()), workspacePath);
      staleRoots.push(...remembered.missingRoots);
      for (const dir of remembered.dirs) add('custom', dir, `Remembered root ${path.dirname(path.dirname(dir))}`, true);
    }
    for (const source of managed.list()) add('custom', source.path, `Managed source ${source.path}`, true);
    for (const dir of config.storagePaths) add('custom', dir, `WORKFLOW_STORAGE_PATH ${dir}`, true);
    if (workspacePath !== undefined && config.includeProject) {
      add('project', path.join(workspacePath, 'workflows'), 'Project (workflows/)', false);
      add('project', path.join(workspacePath, '.workrail', 'workflows'), 'Project', false);
    }
    return resolveCatalog(sources, staleRoots);
  }

  function bind(entry: CatalogEntry, workspacePath?: string): ResolvedWorkflow {
    const unchanged: ResolvedWorkflow = {
      entry,
      compiled: { ok: true, workflow: entry.workflow, suggestions: [] },
      warnings: [],
    };
    if (workspacePath === undefined || (entry.document.extensionPoints ?? []).length === 0) return unchanged;
    const file = path.join(workspacePath, '.workrail', 'bindings.json');
    const text = readTextIfFile(file);
    if (text === undefined) return unchanged;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { ...unchanged, warnings: [bindingsWarning(`Ignored ${file}: not valid JSON.`)] };
    }
    const bindings = resolveBindingsFile(json, entry.id);
    const warnings = bindings.warning === undefined ? [] : [bindingsWarning(`${bindings.warning} (${file})`)];
    if (Object.keys(bindings.bindings).length === 0) return { ...unchanged, warnings };
    const compiled = compileWorkflow(entry.document, { templates: templateCatalog, bindings: bindings.bindings });
    return { entry, compiled, warnings };
  }

  return {
    list,
    bind,
    get(workflowId, workspacePath) {
      const entry = list(workspacePath).entries.find((candidate) => candidate.id === workflowId);
      return entry === undefined ? undefined : bind(entry, workspacePath);
    },
    templates: () => readBundled().templates,
    rememberRoot(rootPath, nowMs) {
      const resolved = path.resolve(rootPath);
      const last = rememberedAt.get(resolved);
      if (last !== undefined && nowMs >= last && nowMs - last < ROOT_TOUCH_INTERVAL_MS) return;
      roots.remember(resolved, nowMs);
      rememberedAt.set(resolved, nowMs);
      // A root new to this object may add workflow directories to the catalog of related workspaces.
      if (last === undefined) forgetScans();
    },
    attach(dirPath, nowMs) {
      const resolved = path.resolve(dirPath);
      if (!isDirectory(resolved)) return { kind: 'not_a_directory' };
      forgetScans();
      return { kind: 'attached', sources: managed.add(resolved, nowMs) };
    },
    detach(dirPath) {
      forgetScans();
      return managed.remove(path.resolve(dirPath));
    },
    managed: () => managed.list(),
    resolveReference(reference, workspacePath) {
      const base = reference.resolveFrom === 'package' ? path.dirname(config.bundledDir) : workspacePath;
      if (base === undefined) return null;
      const resolved = path.resolve(base, reference.source);
      if (!isInside(path.resolve(base), resolved)) return null;
      return statOrUndefined(resolved) === undefined ? null : resolved;
    },
    readWorkflowText(filePath) {
      try {
        return { ok: true, text: readFileSync(filePath, 'utf8') };
      } catch (error) {
        return { ok: false, message: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
      }
    },
  };
}

interface BundledScan {
  readonly files: readonly LoadedFile[];
  readonly templates: TemplateCatalog;
}

function bindingsWarning(message: string): CatalogWarning {
  return { code: 'BINDINGS_FILE_INVALID', message };
}

// ---------- reading directory sources ----------

/** A `*.json` file of a source: its parse outcome, cached by mtime and size, with validations memoised. */
interface ScannedFile {
  readonly relPath: string;
  readonly filePath: string;
  readonly internal: boolean;
  readonly mtimeMs: number;
  readonly size: number;
  readonly parsed:
    | { readonly ok: true; readonly value: unknown; readonly id: string }
    | { readonly ok: false; readonly message: string };
  /** Keyed by `allowReservedIds`; valid while the template catalog is the same object. */
  readonly validated: Map<boolean, { readonly templates: TemplateCatalog; readonly file: LoadedFile }>;
}

/** Scans directory sources, re-reading only files whose mtime or size changed since the last scan. */
function createFileCache(): {
  scan(dir: string): readonly ScannedFile[];
  load(file: ScannedFile, allowReservedIds: boolean, templates: TemplateCatalog): LoadedFile;
} {
  const byDir = new Map<string, Map<string, ScannedFile>>();
  return {
    scan(dir) {
      const previous = byDir.get(dir);
      const current = new Map<string, ScannedFile>();
      for (const relPath of findJsonFiles(dir)) {
        const filePath = path.join(dir, relPath);
        const stats = statOrUndefined(filePath);
        if (stats === undefined) continue;
        const cached = previous?.get(relPath);
        const fresh = cached !== undefined && cached.mtimeMs === stats.mtimeMs && cached.size === stats.size;
        current.set(relPath, fresh ? cached : scanFile(filePath, relPath, stats));
      }
      byDir.set(dir, current);
      return [...current.values()];
    },
    load(file, allowReservedIds, templates) {
      const memo = file.validated.get(allowReservedIds);
      if (memo !== undefined && memo.templates === templates) return memo.file;
      const loaded = validateFile(file, allowReservedIds, templates);
      file.validated.set(allowReservedIds, { templates, file: loaded });
      return loaded;
    },
  };
}

function scanFile(filePath: string, relPath: string, stats: Stats): ScannedFile {
  const internal = relPath.split(path.sep).slice(0, -1).includes('internal');
  const base = { relPath, filePath, internal, mtimeMs: stats.mtimeMs, size: stats.size, validated: new Map() };
  if (stats.size > MAX_WORKFLOW_FILE_BYTES) {
    return { ...base, parsed: { ok: false, message: `larger than 1 MiB (${stats.size} bytes)` } };
  }
  const text = readTextIfFile(filePath);
  if (text === undefined) return { ...base, parsed: { ok: false, message: 'unreadable' } };
  return { ...base, parsed: parseWorkflowFile(text) };
}

function validateFile(file: ScannedFile, allowReservedIds: boolean, templates: TemplateCatalog): LoadedFile {
  const { relPath, filePath, internal, parsed } = file;
  if (!parsed.ok) return { kind: 'skipped', relPath, filePath, message: parsed.message };
  const report = validateWorkflow(parsed.value, { templates, allowReservedIds });
  return { kind: 'workflow', relPath, filePath, id: parsed.id, internal, report };
}

function isRoutine(file: ScannedFile): boolean {
  return file.parsed.ok && file.parsed.id.startsWith(ROUTINE_PREFIX);
}

/** Relative paths of all `*.json` files under `dir` (sorted), skipping directories named `examples`. */
export function findJsonFiles(dir: string, relDir = ''): string[] {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(path.join(dir, relDir), { withFileTypes: true });
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const entry of entries) {
    const rel = relDir === '' ? entry.name : path.join(relDir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'examples') found.push(...findJsonFiles(dir, rel));
    } else if (entry.name.endsWith('.json') && (entry.isFile() || statOrUndefined(path.join(dir, rel))?.isFile())) {
      found.push(rel);
    }
  }
  return found.sort(compareStrings);
}

/**
 * Expands files and directories (recursively, every `*.json`) into absolute file paths, resolving relative
 * paths against `cwd`; missing paths are reported as given.
 */
export function collectJsonFiles(
  paths: readonly string[],
  cwd = process.cwd(),
): { files: string[]; missing: string[] } {
  const files: string[] = [];
  const missing: string[] = [];
  for (const given of paths) {
    const resolved = path.resolve(cwd, given);
    const stats = statOrUndefined(resolved);
    if (stats === undefined) missing.push(given);
    else if (stats.isDirectory()) files.push(...findAllJsonFiles(resolved));
    else files.push(resolved);
  }
  return { files, missing };
}

function findAllJsonFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findAllJsonFiles(full));
    else if (entry.name.endsWith('.json')) found.push(full);
  }
  return found.sort(compareStrings);
}

// ---------- remembered roots (§11.1 row 3) ----------

/** `.workrail/workflows` directories under the remembered roots related to `workspacePath`, excluding its own. */
function rememberedWorkflowDirs(
  roots: readonly string[],
  workspacePath: string,
): { dirs: string[]; missingRoots: string[] } {
  const workspace = path.resolve(workspacePath);
  const own = path.join(workspace, '.workrail', 'workflows');
  const repo = gitCommonDir(workspace);
  const dirs: string[] = [];
  const missingRoots: string[] = [];
  for (const root of roots) {
    if (root === workspace) continue;
    if (!isDirectory(root)) {
      missingRoots.push(root);
      continue;
    }
    const related = isAncestor(root, workspace) || (repo !== undefined && gitCommonDir(root) === repo);
    if (related) dirs.push(...findWorkrailDirs(root, 0).filter((dir) => dir !== own));
  }
  return { dirs: [...new Set(dirs)], missingRoots };
}

function isInside(base: string, candidate: string): boolean {
  const rel = path.relative(base, candidate);
  return rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

function isAncestor(candidate: string, child: string): boolean {
  return candidate !== child && isInside(candidate, child);
}

function findWorkrailDirs(dir: string, depth: number): string[] {
  const found: string[] = [];
  const own = path.join(dir, '.workrail', 'workflows');
  if (isDirectory(own)) found.push(own);
  if (depth >= ROOT_SEARCH_DEPTH) return found;
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return found;
  }
  for (const entry of entries.sort((a, b) => compareStrings(a.name, b.name))) {
    if (entry.isDirectory() && entry.name !== '.workrail' && !ROOT_SEARCH_SKIP.has(entry.name)) {
      found.push(...findWorkrailDirs(path.join(dir, entry.name), depth + 1));
    }
  }
  return found;
}

/** The git common directory shared by all worktrees of the repository containing `start`, if any. */
function gitCommonDir(start: string): string | undefined {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const dotGit = path.join(dir, '.git');
    const stats = statOrUndefined(dotGit);
    if (stats?.isDirectory()) return realpathOrSelf(dotGit);
    if (stats?.isFile()) {
      const gitDirLine = /^gitdir:\s*(.+)$/m.exec(readTextIfFile(dotGit) ?? '');
      if (gitDirLine?.[1] === undefined) return undefined;
      const gitDir = path.resolve(dir, gitDirLine[1].trim());
      const common = readTextIfFile(path.join(gitDir, 'commondir'));
      return realpathOrSelf(common === undefined ? gitDir : path.resolve(gitDir, common.trim()));
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Remembered roots in a JSON file `{"v":1,"roots":[{path,lastSeenMs}]}`; replaced by the store later. */
export function jsonFileRememberedRoots(file: string): RememberedRoots {
  type Root = { path: string; lastSeenMs: number };
  const load = (): Root[] => readJsonFile<{ roots?: Root[] }>(file)?.roots ?? [];
  return {
    remember(rootPath, nowMs) {
      const roots = load().filter((root) => nowMs - root.lastSeenMs < ROOT_TTL_MS);
      const existing = roots.find((root) => root.path === rootPath);
      if (existing !== undefined && nowMs - existing.lastSeenMs < ROOT_TOUCH_INTERVAL_MS) return;
      const others = roots.filter((root) => root.path !== rootPath);
      writeJsonFile(file, { v: 1, roots: [...others, { path: rootPath, lastSeenMs: nowMs }] });
    },
    list: (nowMs) => load().flatMap((root) => (nowMs - root.lastSeenMs < ROOT_TTL_MS ? [root.path] : [])),
  };
}

/** Managed sources in a JSON file `{"v":1,"sources":[{path,addedAtMs}]}`, in attach order. */
export function jsonFileManagedSources(file: string): ManagedSources {
  const load = (): ManagedSource[] => readJsonFile<{ sources?: ManagedSource[] }>(file)?.sources ?? [];
  return {
    list: load,
    add(dirPath, nowMs) {
      const sources = load();
      if (sources.some((source) => source.path === dirPath)) return sources;
      const next = [...sources, { path: dirPath, addedAtMs: nowMs }];
      writeJsonFile(file, { v: 1, sources: next });
      return next;
    },
    remove(dirPath) {
      const sources = load();
      const next = sources.filter((source) => source.path !== dirPath);
      if (next.length !== sources.length) writeJsonFile(file, { v: 1, sources: next });
      return next;
    },
  };
}

// ---------- small fs helpers ----------

function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

function isDirectory(dir: string): boolean {
  return statOrUndefined(dir)?.isDirectory() === true;
}

function readTextIfFile(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function realpathOrSelf(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

function readJsonFile<T>(file: string): T | undefined {
  const text = readTextIfFile(file);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

// Write to a temporary file and rename, so a reader never sees a half-written registry.
function writeJsonFile(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(temporary, file);
}
