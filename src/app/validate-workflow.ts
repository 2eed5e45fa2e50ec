// validate_workflow (docs: mcp-protocol.md §4.8): validates a document given inline or by path. Read-only.

import type { ValidationIssue } from '../workflow/types.js';
import { validateWorkflow as validateDocument } from '../workflow/validate.js';
import type { AppDeps } from './deps.js';
import { type AppError, appError } from './errors.js';
import { err, ok, type Result } from './result.js';

export interface ValidateWorkflowInput {
  /** JSON text or an already parsed value. Exactly one of `workflowJson` and `path`. */
  readonly workflowJson?: unknown;
  /** Absolute path of a `.json` file. */
  readonly path?: string;
  /** Lift the `wr.` namespace rule, for checking the bundled library. */
  readonly bundled?: boolean;
}

export interface ValidateWorkflowOutput {
  readonly valid: boolean;
  readonly issues: readonly ValidationIssue[];
  readonly suggestions: readonly string[];
}

/** Validates one document (§13). VALIDATION_ERROR for both or neither input, NOT_FOUND for an unreadable path. */
export function validateWorkflow(
  deps: AppDeps,
  input: ValidateWorkflowInput,
): Result<ValidateWorkflowOutput, AppError> {
  const hasJson = input.workflowJson !== undefined;
  const hasPath = input.path !== undefined;
  if (hasJson === hasPath) {
    return err(
      appError('VALIDATION_ERROR', 'Give exactly one of workflowJson and path.', {
        validationErrors: [
          { path: hasJson ? 'path' : 'workflowJson', message: 'exactly one of workflowJson and path' },
        ],
        correctTemplate: { path: '/absolute/path/to/workflow.json' },
      }),
    );
  }
  let document = input.workflowJson;
  if (input.path !== undefined) {
    const read = deps.sources.readWorkflowText(input.path);
    if (!read.ok)
      return err(appError('NOT_FOUND', `Cannot read ${input.path} (${read.message}).`, { path: input.path }));
    document = read.text;
  }
  const report = validateDocument(document, { templates: deps.sources.templates(), allowReservedIds: input.bundled });
  return ok({ valid: report.valid, issues: report.issues, suggestions: report.suggestions });
}
