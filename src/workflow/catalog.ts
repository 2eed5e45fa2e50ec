// Pure resolution of workflow sources into one catalog (docs: workflow-format.md §11.2–§11.3).
// sources.ts reads the directories; this module decides which file wins, what is shadowed and what is reported.

import { tagsForWorkflow } from './tags.js';
import type { CompiledWorkflow, ValidationIssue, WorkflowDocument } from './types.js';
import type { ValidationReport } from './validate.js';

export type SourceKind = 'bundled' | 'user' | 'custom' | 'project';

/** Files above this size are skipped (§11.2). */
export const MAX_WORKFLOW_FILE_BYTES = 1024 * 1024;

/** One directory source. `priority` grows with precedence: a later row of §11.1 wins. */
export interface SourceDescriptor {
  readonly sourceKey: string;
  readonly kind: SourceKind;
  readonly displayName: string;
  readonly path: string | null;
  readonly priority: number;
}

/** A file of a directory source after reading (and, when it has an id, validating) it. */
export type LoadedFile =
  | { readonly kind: 'skipped'; readonly relPath: string; readonly filePath: string; readonly message: string }
  | {
      readonly kind: 'workflow';
      readonly relPath: string;
      readonly filePath: string;
      readonly id: string;
      readonly internal: boolean;
      readonly report: ValidationReport;
    };

export interface LoadedSource {
  readonly descriptor: SourceDescriptor;
  readonly stale: boolean;
  readonly files: readonly LoadedFile[];
}

/** The winning copy of a workflow id. `internal` entries can be started but are not listed. */
export interface CatalogEntry {
  readonly id: string;
  readonly document: WorkflowDocument;
  readonly workflow: CompiledWorkflow;
  readonly source: SourceDescriptor;
  readonly filePath: string;
  readonly internal: boolean;
  readonly tags: readonly string[];
}

export interface CatalogWarning {
  readonly code: string;
  readonly message: string;
}

/** An invalid non-bundled file. `shadowsValidCopy`: a valid lower-priority copy is listed in its place. */
export interface ValidationWarning {
  readonly workflowId: string | null;
  readonly sourceKind: SourceKind;
  readonly filePath: string;
  readonly issues: readonly ValidationIssue[];
  readonly shadowsValidCopy: boolean;
}

export interface SourceSummary extends SourceDescriptor {
  readonly totalWorkflowCount: number;
  readonly effectiveWorkflowCount: number;
  readonly shadowedWorkflowCount: number;
  readonly stale?: true;
}

export interface Catalog {
  /** Winners sorted by id, internal ones included. */
  readonly entries: readonly CatalogEntry[];
  readonly sources: readonly SourceSummary[];
  readonly staleRoots: readonly string[];
  readonly warnings: readonly CatalogWarning[];
  readonly validationWarnings: readonly ValidationWarning[];
}

/** Parses a workflow file's text far enough to know its id; anything else is the validator's job. */
export function parseWorkflowFile(
  text: string,
):
  | { readonly ok: true; readonly value: unknown; readonly id: string }
  | { readonly ok: false; readonly message: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `not valid JSON (${(error as Error).message})` };
  }
  const id =
    typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as { id?: unknown }).id : undefined;
  if (typeof id !== 'string') return { ok: false, message: 'has no string "id"' };
  return { ok: true, value, id };
}

type ValidFile = Extract<LoadedFile, { kind: 'workflow' }> & {
  readonly report: ValidationReport & { readonly document: WorkflowDocument; readonly workflow: CompiledWorkflow };
};

function isValid(file: Extract<LoadedFile, { kind: 'workflow' }>): file is ValidFile {
  return file.report.valid && file.report.document !== undefined && file.report.workflow !== undefined;
}

/**
 * Combines sources given in ascending priority: invalid files never take part, the smallest relative path wins
 * inside a source, and the highest-priority source wins across sources (§11.3).
 */
export function resolveCatalog(sources: readonly LoadedSource[], staleRoots: readonly string[]): Catalog {
  const warnings: CatalogWarning[] = [];
  const invalid: { file: Extract<LoadedFile, { kind: 'workflow' }>; source: SourceDescriptor }[] = [];
  const candidates = new Map<string, CatalogEntry[]>();
  const totals = new Map<string, number>();

  for (const { descriptor, files } of sources) {
    const winners = new Map<string, ValidFile>();
    for (const file of [...files].sort((a, b) => compareStrings(a.relPath, b.relPath))) {
      if (file.kind === 'skipped') {
        warnings.push({ code: 'WORKFLOW_FILE_SKIPPED', message: `${file.filePath}: skipped, ${file.message}` });
      } else if (!isValid(file)) {
        if (descriptor.kind === 'bundled') {
          warnings.push({ code: 'BUNDLED_WORKFLOW_INVALID', message: `${file.filePath}: bundled workflow is invalid` });
        } else {
          invalid.push({ file, source: descriptor });
        }
      } else {
        const first = winners.get(file.id);
        if (first === undefined) {
          winners.set(file.id, file);
        } else {
          warnings.push({
            code: 'DUPLICATE_WORKFLOW_ID',
            message: `${file.filePath}: ignored, id ${file.id} is already provided by ${first.filePath} in the same source`,
          });
        }
      }
    }
    totals.set(descriptor.sourceKey, winners.size);
    for (const file of winners.values()) {
      const entry = toEntry(file, descriptor);
      candidates.set(file.id, [...(candidates.get(file.id) ?? []), entry]);
    }
  }

  const entries = [...candidates.values()]
    .map((copies) => copies[copies.length - 1]!)
    .sort((a, b) => compareStrings(a.id, b.id));
  const byId = new Map(entries.map((entry) => [entry.id, entry]));

  const validationWarnings = invalid.map(({ file, source }): ValidationWarning => {
    const listed = byId.get(file.id);
    return {
      workflowId: file.id,
      sourceKind: source.kind,
      filePath: file.filePath,
      issues: file.report.issues,
      shadowsValidCopy: listed !== undefined && listed.source.priority < source.priority,
    };
  });

  const summaries = sources.map(({ descriptor, stale }): SourceSummary => {
    const total = totals.get(descriptor.sourceKey) ?? 0;
    const effective = entries.filter((entry) => entry.source.sourceKey === descriptor.sourceKey).length;
    const summary = { ...descriptor, totalWorkflowCount: total, effectiveWorkflowCount: effective };
    return stale
      ? { ...summary, shadowedWorkflowCount: total - effective, stale: true }
      : { ...summary, shadowedWorkflowCount: total - effective };
  });

  return { entries, sources: summaries, staleRoots, warnings, validationWarnings };
}

function toEntry(file: ValidFile, source: SourceDescriptor): CatalogEntry {
  return {
    id: file.id,
    document: file.report.document,
    workflow: file.report.workflow,
    source,
    filePath: file.filePath,
    internal: file.internal,
    tags: tagsForWorkflow(file.id),
  };
}

/** Code-unit order, independent of locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
