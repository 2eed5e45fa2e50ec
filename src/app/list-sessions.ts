// `workrail sessions list`: the stored sessions, newest activity first, optionally only those of one workspace.
// Read-only: one snapshot of the store, no writes.
import path from 'node:path';
import type { SessionId } from '../engine/index.js';
import type { SessionFilter, SessionReader, SessionSummary } from '../store/index.js';
import type { CompiledWorkflow, WorkflowHash } from '../workflow/types.js';
import type { AppDeps } from './deps.js';
import { type AppError, appError } from './errors.js';
import { err, ok, type Result } from './result.js';
import { stepTitleOf } from './show-session.js';

export interface ListSessionsInput {
  /** Absolute path: only sessions whose workspace is this directory or inside it. */
  readonly workspacePath?: string;
  readonly workflowId?: string;
  readonly status?: 'in_progress' | 'complete';
  /** At most this many sessions (default 50, 1–1000). */
  readonly limit?: number;
}

export interface SessionListItem {
  readonly sessionId: SessionId;
  readonly title: string | null;
  readonly workflowId: string | null;
  readonly status: 'in_progress' | 'complete';
  /** The preferred tip's pending step, null when the run is complete. */
  readonly pendingStep: { readonly stepId: string; readonly title: string } | null;
  readonly workspacePath: string;
  readonly gitBranch: string | null;
  readonly createdAtMs: number;
  readonly lastActivityMs: number;
}

export interface ListSessionsOutput {
  readonly sessions: readonly SessionListItem[];
}

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;
const PAGE = 200;

/** Sessions newest activity first. VALIDATION_ERROR for a relative workspace path or a limit out of range. */
export function listSessions(
  deps: Pick<AppDeps, 'store'>,
  input: ListSessionsInput = {},
): Result<ListSessionsOutput, AppError> {
  const limit = input.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    return err(appError('VALIDATION_ERROR', `limit must be an integer from 1 to ${MAX_LIMIT}.`));
  }
  if (input.workspacePath !== undefined && !path.isAbsolute(input.workspacePath)) {
    return err(appError('VALIDATION_ERROR', 'workspacePath must be an absolute path.'));
  }
  const workspace = input.workspacePath === undefined ? null : path.resolve(input.workspacePath);
  const base: Omit<SessionFilter, 'limit' | 'before'> = {
    ...(input.workflowId === undefined ? {} : { workflowId: input.workflowId }),
    ...(input.status === undefined ? {} : { status: input.status }),
  };
  return deps.store.read((reader) => {
    const summaries =
      workspace === null ? reader.listSessions({ ...base, limit }) : inWorkspace(reader, base, workspace, limit);
    const workflows = new Map<WorkflowHash, CompiledWorkflow | null>();
    const workflowOf = (hash: WorkflowHash) => {
      if (!workflows.has(hash)) workflows.set(hash, reader.getWorkflow(hash));
      return workflows.get(hash) ?? null;
    };
    return ok({ sessions: summaries.map((summary) => toItem(summary, workflowOf)) });
  });
}

/** Pages through the store (newest first) until `limit` sessions of the workspace are found. */
function inWorkspace(
  reader: SessionReader,
  base: Omit<SessionFilter, 'limit' | 'before'>,
  workspace: string,
  limit: number,
): SessionSummary[] {
  const found: SessionSummary[] = [];
  let before: SessionFilter['before'];
  for (;;) {
    const page = reader.listSessions({ ...base, limit: PAGE, ...(before === undefined ? {} : { before }) });
    for (const summary of page) {
      if (isInside(summary.workspacePath, workspace)) found.push(summary);
      if (found.length === limit) return found;
    }
    const last = page.at(-1);
    if (page.length < PAGE || last === undefined) return found;
    before = { lastActivityMs: last.lastActivityMs, sessionId: last.sessionId };
  }
}

function isInside(candidate: string, dir: string): boolean {
  const rel = path.relative(dir, candidate);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

function toItem(summary: SessionSummary, workflowOf: (hash: WorkflowHash) => CompiledWorkflow | null): SessionListItem {
  const workflow = summary.workflowHash === null ? null : workflowOf(summary.workflowHash);
  const stepId = summary.isComplete ? null : summary.pendingStepId;
  return {
    sessionId: summary.sessionId,
    title: summary.title,
    workflowId: summary.workflowId,
    status: summary.isComplete ? 'complete' : 'in_progress',
    pendingStep: stepId === null ? null : { stepId, title: stepTitleOf(workflow, stepId) },
    workspacePath: summary.workspacePath,
    gitBranch: summary.observations.gitBranch,
    createdAtMs: summary.createdAtMs,
    lastActivityMs: summary.lastActivityMs,
  };
}
