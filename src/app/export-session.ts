// `workrail sessions export <id>`: a self-contained JSON bundle of one session — its events, the pinned workflow
// and integrity hashes — that `importSession` verifies and loads as a new session (docs/sessions.md).
import type { SessionEvent, SessionId } from '../engine/index.js';
import { canonicalJson, sha256Hex } from '../workflow/canonical.js';
import type { CompiledWorkflow, WorkflowHash } from '../workflow/types.js';
import type { AppDeps } from './deps.js';
import type { AppError } from './errors.js';
import { err, ok, type Result } from './result.js';
import { sessionNotFound, sessionNotHealthy } from './show-session.js';

export const BUNDLE_FORMAT = 'workrail.session-bundle';
export const BUNDLE_VERSION = 1;

/**
 * Version 1 of the bundle. `events` are the session's events in seq order, except that `advance_recorded` events
 * carry no recorded `response` (it holds the original session's live tokens, and the imported session never
 * replays advances made before the export).
 */
export interface SessionBundle {
  readonly format: typeof BUNDLE_FORMAT;
  readonly v: typeof BUNDLE_VERSION;
  readonly exportedAtMs: number;
  readonly sessionId: SessionId;
  readonly workflow: CompiledWorkflow;
  readonly events: readonly SessionEvent[];
  readonly integrity: BundleIntegrity;
}

/**
 * Hashes are `sha256:` + hex SHA-256. `eventHashes[i]` covers the canonical JSON (RFC 8785) of `events[i]`;
 * `chainHash` folds the header and every event hash in order, so a reordered, dropped or added event, or an edited
 * header, changes it. They detect corruption and hand edits, not a forger who recomputes them.
 */
export interface BundleIntegrity {
  readonly algorithm: 'sha256';
  /** Equals `workflow.workflowHash` and the hash of the workflow's canonical content. */
  readonly workflowHash: WorkflowHash;
  readonly eventCount: number;
  readonly eventHashes: readonly string[];
  readonly chainHash: string;
}

/** The bundle fields the chain starts from. */
export interface BundleHeader {
  readonly format: string;
  readonly v: number;
  readonly exportedAtMs: number;
  readonly sessionId: string;
  readonly workflowHash: string;
  readonly eventCount: number;
}

/** The bundle of a session. NOT_FOUND for an unknown id, SESSION_NOT_HEALTHY for one failing its integrity checks. */
export function exportSession(
  deps: Pick<AppDeps, 'store' | 'clock'>,
  sessionId: string,
): Result<SessionBundle, AppError> {
  return deps.store.read((reader) => {
    const loaded = reader.loadSession(sessionId as SessionId);
    if (loaded.kind === 'not_found') return err(sessionNotFound(sessionId));
    if (loaded.kind === 'unhealthy') return err(sessionNotHealthy(sessionId, loaded.health));
    const { workflow } = loaded.session;
    if (workflow === null) {
      return err(
        sessionNotHealthy(sessionId, { kind: 'missing_pinned_workflow', reason: 'the run was never started' }),
      );
    }
    const events = reader.listEvents(loaded.session.sessionId).map(withoutRecordedResponse);
    const header: BundleHeader = {
      format: BUNDLE_FORMAT,
      v: BUNDLE_VERSION,
      exportedAtMs: deps.clock.now(),
      sessionId: loaded.session.sessionId,
      workflowHash: workflow.workflowHash,
      eventCount: events.length,
    };
    const eventHashes = events.map(eventHash);
    return ok({
      format: BUNDLE_FORMAT,
      v: BUNDLE_VERSION,
      exportedAtMs: header.exportedAtMs,
      sessionId: loaded.session.sessionId,
      workflow,
      events,
      integrity: {
        algorithm: 'sha256',
        workflowHash: workflow.workflowHash,
        eventCount: events.length,
        eventHashes,
        chainHash: chainHash(header, eventHashes),
      },
    });
  });
}

export function eventHash(event: unknown): string {
  return `sha256:${sha256Hex(canonicalJson(event))}`;
}

export function chainHash(header: BundleHeader, eventHashes: readonly string[]): string {
  let chain = `sha256:${sha256Hex(canonicalJson(header))}`;
  for (const hash of eventHashes) chain = `sha256:${sha256Hex(`${chain}\n${hash}`)}`;
  return chain;
}

function withoutRecordedResponse(event: SessionEvent): SessionEvent {
  if (event.kind !== 'advance_recorded' || event.data.response === undefined) return event;
  const { response: _dropped, ...data } = event.data;
  return { ...event, data };
}
