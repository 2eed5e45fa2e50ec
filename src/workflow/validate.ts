// The workflow validator (docs: workflow-format.md §13): input checks, the zod schema, cross-reference
// rules, and, when all of those pass, compilation. Never throws on any input.

import { compileWorkflow } from './compile.js';
import { workflowDocumentSchema } from './schema.js';
import { isRecord, jsonTypeOf } from './schema-primitives.js';
import type { CompiledWorkflow, TemplateCatalog, ValidationIssue, WorkflowDocument } from './types.js';
import { loadInput } from './validate-input.js';
import { finishIssues, type LocatedIssue, locateZodIssues, pointer } from './validate-issues.js';
import { checkReferences } from './validate-references.js';
import { structuralSuggestions } from './validate-suggestions.js';

export interface ValidateOptions {
  /** Routines usable via templateCall. */
  readonly templates: TemplateCatalog;
  /** True for the bundled source: `wr.` ids are allowed (rule workflow-id-reserved). */
  readonly allowReservedIds?: boolean;
  /** Extension-point bindings passed to compilation; validate_workflow uses defaults only. */
  readonly bindings?: { readonly [slotId: string]: string };
}

export interface ValidationReport {
  /** True iff `issues` is empty. */
  readonly valid: boolean;
  /** Problems in document order: RFC 6901 pointer, a message that says how to fix it, and the rule id. */
  readonly issues: readonly ValidationIssue[];
  readonly suggestions: readonly string[];
  /** The typed document, when it is structurally valid (compilation may still have failed). */
  readonly document?: WorkflowDocument;
  /** The compiled workflow, when the document is valid. */
  readonly workflow?: CompiledWorkflow;
}

/**
 * Validates JSON text (a string) or an already-parsed value against docs/workflow-format.md and compiles it.
 * Every problem becomes one issue; compile checks run only when no structural issue was found.
 */
export function validateWorkflow(input: unknown, options: ValidateOptions): ValidationReport {
  let structural: { issues: ValidationIssue[]; document?: WorkflowDocument };
  try {
    structural = checkStructure(input, options);
  } catch (error) {
    // Input depth is bounded before validation; this guards the stack against anything that slips through.
    if (!(error instanceof RangeError)) throw error;
    const message = 'The document is too deeply nested or too large to validate; simplify it';
    return invalid([{ path: '', message, rule: 'document-size' }]);
  }
  const document = structural.document;
  if (document === undefined) return invalid(structural.issues);
  const suggestions = structuralSuggestions(document);
  const compiled = compileWorkflow(document, {
    templates: options.templates,
    ...(options.bindings === undefined ? {} : { bindings: options.bindings }),
  });
  if (!compiled.ok) return { valid: compiled.issues.length === 0, issues: compiled.issues, suggestions, document };
  return {
    valid: true,
    issues: [],
    suggestions: [...suggestions, ...compiled.suggestions],
    document,
    workflow: compiled.workflow,
  };
}

function invalid(issues: readonly ValidationIssue[]): ValidationReport {
  return { valid: false, issues, suggestions: [] };
}

const VALUE_RULES = new Set(['type', 'string-length', 'pattern', 'enum', 'number-range']);

function checkStructure(
  input: unknown,
  options: ValidateOptions,
): { issues: ValidationIssue[]; document?: WorkflowDocument } {
  const loaded = loadInput(input);
  if (!loaded.ok) return { issues: finishIssues(loaded.issues, undefined) };
  const root = loaded.value;
  if (!isRecord(root)) {
    const message = `The document root must be a JSON object with id, name, description, version and steps; got ${jsonTypeOf(root)}`;
    return { issues: [{ path: '', message, rule: 'root-object' }] };
  }
  const parsed = workflowDocumentSchema.safeParse(root);
  const located: LocatedIssue[] = parsed.success ? [] : locateZodIssues(parsed.error.issues, root);
  // A value that is itself malformed (e.g. a ref that is too long) is not also reported as undeclared.
  const failed = new Set(
    located.filter((issue) => VALUE_RULES.has(issue.rule)).map((issue) => pointer(issue.segments)),
  );
  for (const issue of checkReferences(root, { allowReservedIds: options.allowReservedIds === true })) {
    if (!failed.has(pointer(issue.segments))) located.push(issue);
  }
  const issues = finishIssues(located, root);
  if (issues.length > 0 || !parsed.success) return { issues };
  return { issues, document: parsed.data as unknown as WorkflowDocument };
}
