// References at start (docs: workflow-format.md §9.6): each declared reference is resolved against the session's
// workspacePath (default) or the package directory. An escaping or missing path is recorded unresolved with a
// REFERENCE_UNRESOLVED warning; it never blocks the start.
import type { ResolvedReference } from '../engine/index.js';
import type { WorkflowSources } from '../workflow/sources.js';
import type { CompiledWorkflow } from '../workflow/types.js';
import type { ResponseWarning } from './execution-response.js';

export interface ReferenceResolution {
  readonly references: readonly ResolvedReference[];
  readonly warnings: readonly ResponseWarning[];
}

/** Resolves every reference of `workflow` for `workspacePath`; the result is pinned in `run_started`. */
export function resolveReferences(
  workflow: CompiledWorkflow,
  workspacePath: string,
  sources: Pick<WorkflowSources, 'resolveReference'>,
): ReferenceResolution {
  const warnings: ResponseWarning[] = [];
  const references = workflow.references.map((reference): ResolvedReference => {
    const resolveFrom = reference.resolveFrom ?? 'workspace';
    const resolvedPath = sources.resolveReference(reference, workspacePath);
    if (resolvedPath === null) {
      warnings.push({
        code: 'REFERENCE_UNRESOLVED',
        message: `Reference "${reference.id}" (${reference.source}) was not found under the ${resolveFrom === 'package' ? 'package' : 'workspace'} directory or escapes it.`,
        details: { referenceId: reference.id, source: reference.source, resolveFrom },
      });
    }
    return {
      id: reference.id,
      title: reference.title,
      source: reference.source,
      purpose: reference.purpose,
      authoritative: reference.authoritative,
      resolveFrom,
      resolvedPath,
    };
  });
  return { references, warnings };
}
