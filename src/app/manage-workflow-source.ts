// manage_workflow_source (docs: mcp-protocol.md §4.7): attach or detach a workflow directory. Writes only the
// managed-source registry, never session state.

import path from 'node:path';
import type { ManagedSource } from '../workflow/sources.js';
import type { AppDeps } from './deps.js';
import { type AppError, appError } from './errors.js';
import { err, ok, type Result } from './result.js';

export interface ManageWorkflowSourceInput {
  readonly action: 'attach' | 'detach';
  /** Absolute path; normalised (resolved, trailing separator removed). */
  readonly path: string;
}

export interface ManageWorkflowSourceOutput {
  readonly action: 'attach' | 'detach';
  readonly path: string;
  readonly sources: readonly ManagedSource[];
}

/** Attaching twice or detaching an unknown path changes nothing. PRECONDITION_FAILED when attaching a non-directory. */
export function manageWorkflowSource(
  deps: AppDeps,
  input: ManageWorkflowSourceInput,
): Result<ManageWorkflowSourceOutput, AppError> {
  if (!path.isAbsolute(input.path)) {
    return err(
      appError('VALIDATION_ERROR', `path must be an absolute path, got "${input.path}".`, {
        validationErrors: [{ path: 'path', message: 'must be an absolute path' }],
      }),
    );
  }
  const normalised = path.resolve(input.path);
  if (input.action === 'detach') {
    return ok({ action: 'detach', path: normalised, sources: deps.sources.detach(normalised) });
  }
  const attached = deps.sources.attach(normalised, deps.clock.now());
  if (attached.kind === 'not_a_directory') {
    return err(
      appError('PRECONDITION_FAILED', `Cannot attach ${normalised}: it is not an existing directory.`, {
        suggestion: 'Create the directory first, or check the path.',
      }),
    );
  }
  return ok({ action: 'attach', path: normalised, sources: attached.sources });
}
