import path from 'node:path';
import { type AppError, appError } from './errors.js';
import { err, ok, type Result } from './result.js';

/** Checks an optional `workspacePath` input: absent, or an absolute path. */
export function checkWorkspacePath(workspacePath: string | undefined): Result<string | undefined, AppError> {
  if (workspacePath === undefined || path.isAbsolute(workspacePath)) return ok(workspacePath);
  return err(
    appError('VALIDATION_ERROR', `workspacePath must be an absolute path, got "${workspacePath}".`, {
      validationErrors: [{ path: 'workspacePath', message: 'must be an absolute path' }],
    }),
  );
}
