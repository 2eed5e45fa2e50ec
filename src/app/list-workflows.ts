// list_workflows (docs: mcp-protocol.md §4.1): the catalog for one workspace, as a tag summary, filtered by
// tags, or complete with its sources.

import type { Catalog, CatalogEntry, SourceKind, SourceSummary, ValidationWarning } from '../workflow/catalog.js';
import { TAG_CATALOG } from '../workflow/tags.js';
import type { AppDeps } from './deps.js';
import type { AppError } from './errors.js';
import { ok, type Result } from './result.js';
import { checkWorkspacePath } from './workspace-path.js';

export interface ListWorkflowsInput {
  /** Absolute path; adds the workspace's sources and is remembered as a root. */
  readonly workspacePath?: string;
  readonly tags?: readonly string[];
  readonly includeSources?: boolean;
}

export interface WorkflowListItem {
  readonly workflowId: string;
  readonly name: string;
  readonly description: string;
  readonly version: string;
  readonly workflowHash: string | null;
  readonly tags: readonly string[];
  readonly source: { readonly kind: SourceKind; readonly displayName: string; readonly path: string | null };
  readonly examples?: readonly string[];
}

export interface TagSummaryItem {
  readonly id: string;
  readonly displayName: string;
  readonly count: number;
  readonly when: readonly string[];
  readonly examples: readonly string[];
}

export interface ListWorkflowsOutput {
  readonly workflows: readonly WorkflowListItem[];
  readonly tagSummary?: readonly TagSummaryItem[];
  readonly nextStep?: string;
  readonly sources?: readonly SourceSummary[];
  readonly staleRoots?: readonly string[];
  readonly warnings?: readonly { readonly code: string; readonly message: string }[];
  readonly validationWarnings?: readonly ValidationWarning[];
}

/** Lists the workflows visible from `workspacePath`. Fails only with VALIDATION_ERROR for a relative path. */
export function listWorkflows(deps: AppDeps, input: ListWorkflowsInput): Result<ListWorkflowsOutput, AppError> {
  const workspace = checkWorkspacePath(input.workspacePath);
  if (!workspace.ok) return workspace;
  if (workspace.value !== undefined) deps.sources.rememberRoot(workspace.value, deps.clock.now());

  const catalog = deps.sources.list(workspace.value);
  const listed = catalog.entries.filter((entry) => !entry.internal);
  const warnings: { code: string; message: string }[] = [...catalog.warnings];
  const toItems = (entries: readonly CatalogEntry[]): WorkflowListItem[] =>
    entries.map((entry) => toItem(deps, entry, workspace.value, warnings));

  let output: ListWorkflowsOutput;
  if (input.tags !== undefined) {
    const known = new Set([...TAG_CATALOG.map((tag) => tag.id), ...listed.flatMap((entry) => entry.tags)]);
    for (const tag of input.tags.filter((wanted) => !known.has(wanted))) {
      warnings.push({ code: 'UNKNOWN_TAG', message: `Unknown tag "${tag}". Known tags: ${[...known].join(', ')}.` });
    }
    const wanted = new Set(input.tags);
    const matching = listed.filter((entry) => entry.tags.some((tag) => wanted.has(tag)));
    output = { workflows: toItems(matching) };
  } else if (input.includeSources === true) {
    output = { workflows: toItems(listed) };
  } else {
    output = {
      workflows: [],
      tagSummary: summarizeTags(listed),
      nextStep: 'Call list_workflows again with tags: ["<id>"].',
    };
  }
  return ok(withOptional(output, catalog, input.includeSources === true, warnings));
}

function toItem(
  deps: AppDeps,
  entry: CatalogEntry,
  workspacePath: string | undefined,
  warnings: { code: string; message: string }[],
): WorkflowListItem {
  const resolved = deps.sources.bind(entry, workspacePath);
  warnings.push(...resolved.warnings);
  const { document } = entry;
  const item: WorkflowListItem = {
    workflowId: entry.id,
    name: document.name,
    description: document.description,
    version: document.version,
    workflowHash: resolved.compiled.ok ? resolved.compiled.workflow.workflowHash : null,
    tags: entry.tags,
    source: { kind: entry.source.kind, displayName: entry.source.displayName, path: entry.source.path },
  };
  return document.examples === undefined ? item : { ...item, examples: document.examples };
}

function summarizeTags(entries: readonly CatalogEntry[]): TagSummaryItem[] {
  const counts = new Map<string, number>();
  for (const tag of entries.flatMap((entry) => entry.tags)) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  const catalogTags = TAG_CATALOG.filter((tag) => counts.has(tag.id)).map((tag) => ({
    id: tag.id,
    displayName: tag.displayName,
    count: counts.get(tag.id) ?? 0,
    when: tag.when,
    examples: tag.examples,
  }));
  const catalogIds = new Set(TAG_CATALOG.map((tag) => tag.id));
  const virtualTags = [...counts.keys()]
    .filter((id) => !catalogIds.has(id))
    .sort((a, b) => (a === 'other' ? 1 : b === 'other' ? -1 : a < b ? -1 : a > b ? 1 : 0))
    .map((id) => ({ id, displayName: id, count: counts.get(id) ?? 0, when: [], examples: [] }));
  return [...catalogTags, ...virtualTags];
}

function withOptional(
  output: ListWorkflowsOutput,
  catalog: Catalog,
  includeSources: boolean,
  warnings: readonly { code: string; message: string }[],
): ListWorkflowsOutput {
  return {
    ...output,
    ...(includeSources ? { sources: catalog.sources } : {}),
    ...(catalog.staleRoots.length > 0 ? { staleRoots: catalog.staleRoots } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
    ...(catalog.validationWarnings.length > 0 ? { validationWarnings: catalog.validationWarnings } : {}),
  };
}
