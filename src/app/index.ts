// app/ — the use cases. MCP tools, the HTTP console API, the CLI and the daemon all call these functions, so every
// entry point behaves the same (docs/mcp-protocol.md, DESIGN.md "Layers").
//
// - `createApp({env, clock, ids, lockWaitMs})` builds the deps once (config, workflow sources, the session store —
//   SQLite, or PostgreSQL for WORKRAIL_DATABASE_URL — and the token keyring, both opened on first use); pass the
//   result to every use case; `close()` at exit.
// - Read-only: `listWorkflows`, `inspectWorkflow`, `validateWorkflow`, `manageWorkflowSource` (source registry only),
//   `getSessionMetrics`, `listSessions`, `showSession`, `exportSession`.
// - Mutating: `startWorkflow`, `continueWorkflow` (advance, replay or rehydrate), `checkpointWorkflow`,
//   `resumeSession`, `importSession` (a verified export bundle as a new session). Each runs exactly one BEGIN
//   IMMEDIATE transaction: tokens are verified (format, signature) before it, git facts and bindings are read before
//   it, the pure engine decides inside it, writes come last, and nothing is written after it returns. A lock wait beyond the budget is TOKEN_SESSION_LOCKED.
// - Every use case returns `Result<T, AppError>`: expected failures are values with the protocol's error codes;
//   a blocked step is a success (`kind: "blocked"`). Anything thrown is a bug or an infrastructure fault that the
//   adapter renders as INTERNAL_ERROR.
// - Start reading at continue-workflow.ts; execution-response.ts builds the objects adapters send as
//   structuredContent.
//
// Not allowed here: adapter concerns (zod schemas of the wire, text rendering, HTTP), `console.log`, randomness
// outside ids.ts and create-app.ts, and writes after a use case returns.

export type { CheckpointWorkflowInput, CheckpointWorkflowOutput } from './checkpoint-workflow.js';
export { checkpointWorkflow } from './checkpoint-workflow.js';
export type { AppConfig, Env } from './config.js';
export { loadConfig } from './config.js';
export type { ContinueOptions, ContinueWorkflowInput, RecordedResponse } from './continue-workflow.js';
export { continueWorkflow } from './continue-workflow.js';
export type { App, CreateAppOptions } from './create-app.js';
export { createApp } from './create-app.js';
export type { AppDeps, Clock } from './deps.js';
export type { AppError, ErrorCode, RetryPolicy } from './errors.js';
export { appError, ERROR_CODES } from './errors.js';
export type {
  ExecutionResponse,
  GateResponse,
  NextCall,
  NextIntent,
  RecoveryContext,
  ResponseWarning,
  StepContextView,
  StepResponse,
  WorkflowGuidance,
} from './execution-response.js';
export { exportSession } from './export-session.js';
export type { GitFacts } from './git-observations.js';
export { readGitFacts } from './git-observations.js';
export type { IdPrefix, Ids } from './ids.js';
export { createIds } from './ids.js';
export type { ImportSessionInput, ImportSessionOutput } from './import-session.js';
export { importSession } from './import-session.js';
export type {
  InspectWorkflowInput,
  InspectWorkflowOutput,
  StepOutline,
  WorkflowMetadata,
  WorkflowPreview,
} from './inspect-workflow.js';
export { inspectWorkflow } from './inspect-workflow.js';
export type { ListSessionsInput, ListSessionsOutput, SessionListItem } from './list-sessions.js';
export { listSessions } from './list-sessions.js';
export type { ListWorkflowsInput, ListWorkflowsOutput, TagSummaryItem, WorkflowListItem } from './list-workflows.js';
export { listWorkflows } from './list-workflows.js';
export type { ManageWorkflowSourceInput, ManageWorkflowSourceOutput } from './manage-workflow-source.js';
export { manageWorkflowSource } from './manage-workflow-source.js';
export type { Result } from './result.js';
export { err, ok } from './result.js';
export type { ResumeCandidate, ResumeSessionInput, ResumeSessionOutput } from './resume-session.js';
export { resumeSession } from './resume-session.js';
export type { BundleRefusal, SessionBundle } from './session-bundle.js';
export type { SessionMetrics } from './session-metrics.js';
export { getSessionMetrics } from './session-metrics.js';
export type { CurrentPosition, SessionTimeline, StepRef, TimelineEntry } from './show-session.js';
export { showSession } from './show-session.js';
export type { StartWorkflowInput, StartWorkflowOptions } from './start-workflow.js';
export { startWorkflow } from './start-workflow.js';
export type { ValidateWorkflowInput, ValidateWorkflowOutput } from './validate-workflow.js';
export { validateWorkflow } from './validate-workflow.js';
