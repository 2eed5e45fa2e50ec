// start_workflow (docs: mcp-protocol.md §4.3): resolve and compile the workflow for the workspace, then create the
// session, its run and the root node in ONE transaction, and return the first step with its tokens.
import path from 'node:path';
import type { EventDataByKind, EventKind, NewEvent, RunId, SessionId } from '../engine/index.js';
import { runCompletedEvent, startRun, validateContext } from '../engine/index.js';
import type { CompiledWorkflow, JsonObject, ModelTier } from '../workflow/types.js';
import type { AppDeps } from './deps.js';
import { type AppError, appError } from './errors.js';
import {
  completeResponse,
  pendingResponse,
  type ResponseWarning,
  type StepResponse,
  type WorkflowGuidance,
  withExtras,
} from './execution-response.js';
import { type GitFacts, readGitFacts } from './git-observations.js';
import {
  checkKnownKeys,
  contextError,
  isPlainObject,
  missingRequired,
  parseJsonText,
  validationError,
} from './input-checks.js';
import { type ReferenceResolution, resolveReferences } from './references.js';
import { err, ok, type Result } from './result.js';
import { issueAttempt } from './session-tokens.js';
import { similarIds } from './similar-ids.js';
import { lockedError } from './token-access.js';

export interface StartWorkflowInput {
  readonly workflowId: string;
  /** Absolute path: anchors sources, bindings, references, git observations and resume matching. */
  readonly workspacePath: string;
  /** One sentence of intent; stored as context `goal`. */
  readonly goal: string;
  readonly modelTier?: ModelTier;
  /** Initial context facts (§7); may arrive as JSON text. */
  readonly context?: { readonly [key: string]: unknown } | string;
}

export interface StartWorkflowOptions {
  /** Reserved context keys a trusted caller (the daemon) may set, such as `is_autonomous`. */
  readonly allowReservedContextKeys?: readonly string[];
}

const KNOWN_KEYS = ['workflowId', 'workspacePath', 'goal', 'modelTier', 'context'];
const TEMPLATE: JsonObject = {
  workflowId: 'acme.review-fix',
  workspacePath: '/abs/workspace',
  goal: 'Fix the flaky login test',
};
const MODEL_TIERS: readonly string[] = ['lightweight', 'mid', 'heavy'];

/**
 * Creates a session and returns its first step (or a complete response when nothing is runnable). Fails with
 * VALIDATION_ERROR, NOT_FOUND (details.similarIds), PRECONDITION_FAILED (details.issues, or a first loop lacking
 * its input) or TOKEN_SESSION_LOCKED; a failure creates nothing.
 */
export function startWorkflow(
  deps: AppDeps,
  input: StartWorkflowInput,
  options: StartWorkflowOptions = {},
): Result<StepResponse, AppError> {
  const checked = checkInput(input, options);
  if (!checked.ok) return checked;
  const { workspacePath, context } = checked.value;
  deps.sources.rememberRoot(workspacePath, deps.clock.now());

  const catalog = deps.sources.list(workspacePath);
  const entry = catalog.entries.find((candidate) => candidate.id === input.workflowId);
  const invalidCopy = catalog.validationWarnings.find((warning) => warning.workflowId === input.workflowId);
  if (entry === undefined && invalidCopy !== undefined) {
    return err(
      appError('PRECONDITION_FAILED', `Workflow "${input.workflowId}" is invalid (${invalidCopy.filePath}).`, {
        issues: invalidCopy.issues,
        filePath: invalidCopy.filePath,
        suggestion: 'Fix the workflow (validate_workflow shows every issue), then start again.',
      }),
    );
  }
  if (entry === undefined) {
    const similar = similarIds(
      input.workflowId,
      catalog.entries.map((e) => e.id),
    );
    return err(
      appError('NOT_FOUND', `No workflow with id "${input.workflowId}".`, {
        similarIds: similar,
        suggestion: similar.length > 0 ? `Did you mean ${similar[0]}?` : 'Call list_workflows to see the catalog.',
      }),
    );
  }
  const resolved = deps.sources.bind(entry, workspacePath);
  if (!resolved.compiled.ok) {
    return err(
      appError('PRECONDITION_FAILED', `Workflow "${input.workflowId}" is not valid for this workspace.`, {
        issues: resolved.compiled.issues,
        suggestion: 'Fix the workflow (validate_workflow shows every issue), then start again.',
      }),
    );
  }
  const workflow = resolved.compiled.workflow;
  const references = resolveReferences(workflow, workspacePath, deps.sources);
  const git = readGitFacts(workspacePath);

  const now = deps.clock.now();
  const sessionId = deps.ids.newId('sess');
  const runId = deps.ids.newId('run');
  const started = startRun(workflow, { context, goal: input.goal, now, newId: deps.ids.newId, runId });
  if (!started.ok) {
    const { loopId, key } = started.failure;
    return err(
      appError('PRECONDITION_FAILED', `Loop "${loopId}" is the first step and needs context "${key}".`, {
        loopId,
        key,
        suggestion: `Start again with context.${key} set (an array for forEach, an integer ≥ 0 for for).`,
      }),
    );
  }
  const { decision } = started;
  const events: NewEvent[] = [
    ...sessionEvents(sessionId, workspacePath, now, git),
    runStartedEvent({ runId, now, workflow, entry, goal: input.goal, modelTier: input.modelTier, references }),
    ...started.events,
  ];
  if (decision.isComplete) {
    const gitSummary =
      git === null ? null : { startSha: git.headSha, endSha: git.headSha, branch: git.branch, commitShas: [] };
    events.push(
      runCompletedEvent({ now, runId }, { finalNodeId: decision.rootNodeId, durationMs: 0, git: gitSummary }),
    );
  }
  const warnings: ResponseWarning[] = [...resolved.warnings, ...references.warnings, ...decision.warnings];

  const committed = deps.store.transaction(sessionId, (tx) => {
    tx.pinWorkflow(workflow);
    tx.appendEvents(sessionId, events);
    tx.rememberRoot(workspacePath, now);
    const base =
      decision.state.kind === 'complete'
        ? completeResponse(decision.state)
        : pendingResponse({
            workflow,
            state: decision.state,
            context: decision.context,
            tokens: issueAttempt(
              { tx, keyring: deps.keyring, ids: deps.ids, now },
              { sessionId, runId, nodeId: decision.rootNodeId, workflowHash: workflow.workflowHash },
            ),
          });
    return withExtras(base, {
      guidance: guidanceOf(workflow, references),
      warnings,
      staleRoots: catalog.staleRoots,
    });
  });
  return committed.ok ? ok(committed.value) : err(lockedError(committed.error));
}

function checkInput(
  input: StartWorkflowInput,
  options: StartWorkflowOptions,
): Result<{ workspacePath: string; context: JsonObject }, AppError> {
  if (!isPlainObject(input))
    return err(validationError('Input must be an object.', TEMPLATE, [{ path: '', message: 'must be an object' }]));
  const unknown = checkKnownKeys(input, KNOWN_KEYS, TEMPLATE);
  if (unknown !== null) return err(unknown);
  for (const key of ['workflowId', 'workspacePath', 'goal'] as const) {
    if (input[key] === undefined) return err(missingRequired(key, TEMPLATE[key] ?? '', TEMPLATE));
  }
  const invalid = (path: string, message: string) =>
    err(validationError(`${path} ${message}.`, TEMPLATE, [{ path, message }]));
  if (typeof input.workflowId !== 'string' || input.workflowId === '')
    return invalid('workflowId', 'must be a non-empty string');
  if (typeof input.workspacePath !== 'string' || !path.isAbsolute(input.workspacePath)) {
    return invalid('workspacePath', 'must be an absolute path');
  }
  if (typeof input.goal !== 'string' || input.goal.trim() === '') return invalid('goal', 'must be a non-empty string');
  if (input.modelTier !== undefined && !MODEL_TIERS.includes(input.modelTier)) {
    return invalid('modelTier', `must be one of ${MODEL_TIERS.join(', ')}`);
  }
  const parsed = parseJsonText(input.context);
  if (!parsed.ok) return invalid('context', parsed.error);
  const raw = parsed.value ?? {};
  const allow =
    options.allowReservedContextKeys === undefined ? {} : { allowReservedKeys: options.allowReservedContextKeys };
  const shape = validateContext(raw, allow);
  if (!shape.ok) return err(contextError(shape.issue, 'context', TEMPLATE));
  const initial = validateContext({ ...shape.value, goal: input.goal }, allow);
  if (!initial.ok) return err(contextError(initial.issue, 'context', TEMPLATE));
  return ok({ workspacePath: path.resolve(input.workspacePath), context: shape.value });
}

function sessionEvents(sessionId: SessionId, workspacePath: string, now: number, git: GitFacts | null): NewEvent[] {
  const env = { now };
  const events: NewEvent[] = [
    makeEvent(env, 'session_created', `session_created:${sessionId}`, { workspacePath, createdAtMs: now }),
  ];
  if (git === null) return events;
  const facts = [
    ['repo_root', git.repoRoot],
    ['repo_root_hash', git.repoRootHash],
    ['git_branch', git.branch],
    ['git_head_sha', git.headSha],
  ] as const;
  for (const [key, value] of facts) {
    if (value === null) continue;
    events.push(makeEvent(env, 'observation_recorded', `observation:${key}`, { key, value, confidence: 'high' }));
  }
  return events;
}

function runStartedEvent(args: {
  readonly runId: RunId;
  readonly now: number;
  readonly workflow: CompiledWorkflow;
  readonly entry: { readonly source: { readonly kind: string; readonly path: string | null } };
  readonly goal: string;
  readonly modelTier: ModelTier | undefined;
  readonly references: ReferenceResolution;
}): NewEvent {
  const { runId, workflow } = args;
  return makeEvent({ now: args.now, runId }, 'run_started', `run_started:${runId}`, {
    runId,
    workflowId: workflow.id,
    workflowHash: workflow.workflowHash,
    sourceKind: args.entry.source.kind,
    sourcePath: args.entry.source.path,
    goal: args.goal,
    ...(args.modelTier === undefined ? {} : { modelTier: args.modelTier }),
    bindings: workflow.bindings,
    references: args.references.references,
  });
}

function guidanceOf(workflow: CompiledWorkflow, references: ReferenceResolution): WorkflowGuidance {
  return {
    metaGuidance: workflow.metaGuidance,
    preconditions: workflow.preconditions,
    clarificationPrompts: workflow.clarificationPrompts,
    references: references.references.map((r) => ({
      id: r.id,
      title: r.title,
      purpose: r.purpose,
      authoritative: r.authoritative,
      resolvedPath: r.resolvedPath,
    })),
  };
}

/** A session-level event of this use case (the engine builds the node-level ones). */
function makeEvent<K extends EventKind>(
  env: { readonly now: number; readonly runId?: RunId },
  kind: K,
  dedupeKey: string,
  data: EventDataByKind[K],
): NewEvent {
  const base = { kind, dedupeKey, atMs: env.now, data };
  return (env.runId === undefined ? base : { ...base, runId: env.runId }) as NewEvent;
}
