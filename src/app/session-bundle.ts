// The session bundle of `workrail sessions export|import` (docs/sessions.md): one session's events, its pinned
// workflow and the hashes that let an importer refuse a corrupted or hand-edited file with a precise reason.
import { z } from 'zod';
import { EVENT_KINDS, type EventKind, type SessionEvent, type SessionId } from '../engine/index.js';
import { canonicalJson, sha256Hex } from '../workflow/canonical.js';
import { hashCompiledWorkflow } from '../workflow/hash.js';
import type { CompiledWorkflow, WorkflowHash } from '../workflow/types.js';
import { type AppError, appError } from './errors.js';
import { err, ok, type Result } from './result.js';

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
 * `chainHash` is the bundle hash: it folds the header and every event hash in order, so a reordered, dropped or
 * added event, or an edited header, changes it. They detect corruption and hand edits, not a forger who
 * recomputes them.
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

/** Why a bundle was refused; `details.reason` of the VALIDATION_ERROR. */
export type BundleRefusal =
  | 'malformed_json'
  | 'not_a_bundle'
  | 'unsupported_version'
  | 'invalid_shape'
  | 'workflow_hash_mismatch'
  | 'event_count_mismatch'
  | 'event_hash_mismatch'
  | 'chain_hash_mismatch'
  | 'inconsistent_events';

export function eventHash(event: unknown): string {
  return `sha256:${sha256Hex(canonicalJson(event))}`;
}

export function chainHash(header: BundleHeader, eventHashes: readonly string[]): string {
  let chain = `sha256:${sha256Hex(canonicalJson(header))}`;
  for (const hash of eventHashes) chain = `sha256:${sha256Hex(`${chain}\n${hash}`)}`;
  return chain;
}

/** Builds the bundle of a healthy session's events and pinned workflow. */
export function buildBundle(args: {
  readonly sessionId: SessionId;
  readonly workflow: CompiledWorkflow;
  readonly events: readonly SessionEvent[];
  readonly exportedAtMs: number;
}): SessionBundle {
  const { sessionId, workflow, exportedAtMs } = args;
  const events = args.events.map(withoutRecordedResponse);
  const eventHashes = events.map(eventHash);
  const header = headerOf({ exportedAtMs, sessionId, workflowHash: workflow.workflowHash, eventCount: events.length });
  return {
    format: BUNDLE_FORMAT,
    v: BUNDLE_VERSION,
    exportedAtMs,
    sessionId,
    workflow,
    events,
    integrity: {
      algorithm: 'sha256',
      workflowHash: workflow.workflowHash,
      eventCount: events.length,
      eventHashes,
      chainHash: chainHash(header, eventHashes),
    },
  };
}

const eventSchema = z.strictObject({
  eventId: z.string().min(1),
  sessionId: z.string().regex(/^sess_[A-Za-z0-9]+$/),
  seq: z.number().int().nonnegative(),
  kind: z.enum(EVENT_KINDS),
  runId: z.string().optional(),
  nodeId: z.string().optional(),
  dedupeKey: z.string().min(1),
  atMs: z.number().int().nonnegative(),
  data: z.record(z.string(), z.unknown()),
});

const bundleSchema = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  v: z.literal(BUNDLE_VERSION),
  exportedAtMs: z.number().int().nonnegative(),
  sessionId: z.string().regex(/^sess_[A-Za-z0-9]+$/),
  workflow: z.looseObject({
    id: z.string().min(1),
    name: z.string(),
    steps: z.array(z.record(z.string(), z.unknown())),
    workflowHash: z.string().startsWith('sha256:'),
  }),
  events: z.array(eventSchema).min(1),
  integrity: z.strictObject({
    algorithm: z.literal('sha256'),
    workflowHash: z.string(),
    eventCount: z.number().int().nonnegative(),
    eventHashes: z.array(z.string()),
    chainHash: z.string(),
  }),
});

/**
 * Parses bundle text and checks, in order: JSON, format name and version, shape, the workflow's content hash, the
 * event count, each event's hash, the chain hash, then that the events form one session (see `checkEvents`).
 * A refusal is VALIDATION_ERROR with `details.reason` (a `BundleRefusal`) and a message naming what is wrong.
 */
export function verifyBundle(text: string): Result<SessionBundle, AppError> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return refuse('malformed_json', `The bundle is not valid JSON (${(error as Error).message}).`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return refuse('not_a_bundle', 'The bundle is not a JSON object.');
  }
  const { format, v } = value as { format?: unknown; v?: unknown };
  if (format !== BUNDLE_FORMAT) {
    return refuse('not_a_bundle', `format is ${JSON.stringify(format)}, expected "${BUNDLE_FORMAT}".`);
  }
  if (v !== BUNDLE_VERSION) {
    return refuse(
      'unsupported_version',
      `Bundle format version ${JSON.stringify(v)} is not supported; this WorkRail reads version ${BUNDLE_VERSION}.`,
    );
  }
  const shape = bundleSchema.safeParse(value);
  if (!shape.success) {
    const issue = shape.error.issues[0]!;
    return refuse('invalid_shape', `${pointer(issue.path)}: ${issue.message}.`, { path: pointer(issue.path) });
  }
  // Hash the parsed JSON itself, not zod's output: the hashes cover exactly what the file holds.
  const bundle = value as SessionBundle;
  const { workflow, events, integrity } = bundle;
  const contentHash = hashCompiledWorkflow(workflow);
  if (contentHash !== workflow.workflowHash) {
    return refuse('workflow_hash_mismatch', 'The workflow was modified: its content does not match its workflowHash.', {
      expected: workflow.workflowHash,
      actual: contentHash,
    });
  }
  if (integrity.workflowHash !== workflow.workflowHash) {
    return refuse('workflow_hash_mismatch', 'integrity.workflowHash does not match the workflow.', {
      expected: integrity.workflowHash,
      actual: workflow.workflowHash,
    });
  }
  if (integrity.eventCount !== events.length || integrity.eventHashes.length !== events.length) {
    return refuse(
      'event_count_mismatch',
      `The bundle holds ${events.length} events, but integrity records ${integrity.eventCount} ` +
        `(with ${integrity.eventHashes.length} event hashes).`,
    );
  }
  for (const [index, event] of events.entries()) {
    const actual = eventHash(event);
    if (actual !== integrity.eventHashes[index]) {
      return refuse(
        'event_hash_mismatch',
        `events[${index}] (${event.kind}, seq ${event.seq}) was modified: it does not match its hash.`,
        { index, expected: integrity.eventHashes[index], actual },
      );
    }
  }
  const header = headerOf({
    exportedAtMs: bundle.exportedAtMs,
    sessionId: bundle.sessionId,
    workflowHash: workflow.workflowHash,
    eventCount: events.length,
  });
  const actualChain = chainHash(header, integrity.eventHashes);
  if (actualChain !== integrity.chainHash) {
    return refuse(
      'chain_hash_mismatch',
      'integrity.chainHash does not match the bundle header and event hashes (the bundle was modified).',
      { expected: integrity.chainHash, actual: actualChain },
    );
  }
  const problem = checkEvents(bundle);
  return problem === null ? ok(bundle) : refuse('inconsistent_events', problem);
}

/** The id-valued fields of an event's envelope and data, with the prefix each must carry. */
export const ID_FIELDS = {
  runId: 'run',
  nodeId: 'node',
  parentNodeId: 'node',
  fromNodeId: 'node',
  toNodeId: 'node',
  checkpointNodeId: 'node',
  finalNodeId: 'node',
  attemptId: 'attempt',
} as const;

const ID_PATTERNS = { run: /^run_[A-Za-z0-9]+$/, node: /^node_[A-Za-z0-9]+$/, attempt: /^attempt_[A-Za-z0-9]+$/ };

const REQUIRED_DATA: { readonly [K in EventKind]: readonly string[] } = {
  session_created: ['workspacePath', 'createdAtMs'],
  observation_recorded: ['key', 'value'],
  run_started: ['runId', 'workflowId', 'workflowHash', 'goal'],
  node_created: ['nodeId', 'nodeKind', 'parentNodeId', 'workflowHash', 'state'],
  edge_created: ['fromNodeId', 'toNodeId', 'edgeKind', 'cause'],
  advance_recorded: ['fromNodeId', 'attemptId', 'outcome', 'toNodeId'],
  output_appended: ['nodeId', 'attemptId', 'channel'],
  context_set: ['nodeId', 'context'],
  validation_performed: ['attemptId'],
  assessment_recorded: ['attemptId'],
  decision_trace_appended: ['nodeId', 'entries'],
  checkpoint_recorded: ['checkpointNodeId', 'fromNodeId', 'attemptId'],
  run_completed: ['finalNodeId'],
};

const NODE_REFS = ['parentNodeId', 'fromNodeId', 'toNodeId', 'checkpointNodeId', 'finalNodeId'] as const;

/**
 * The events must read as one session of one run: seq 0, 1, 2 …, the bundle's session id, `session_created`
 * first, one `run_started` and nodes of the bundle's workflow, distinct dedupe keys, well-formed ids, and every
 * node reference naming a node the bundle creates. Returns what is wrong, or null.
 */
function checkEvents(bundle: SessionBundle): string | null {
  const { events, workflow } = bundle;
  const dedupeKeys = new Set<string>();
  const nodes = new Set<string>();
  let runs = 0;
  for (const [index, event] of events.entries()) {
    const at = `events[${index}] (${event.kind})`;
    if (event.seq !== index) return `${at} has seq ${event.seq}, expected ${index}.`;
    if (event.sessionId !== bundle.sessionId) return `${at} belongs to ${event.sessionId}, not ${bundle.sessionId}.`;
    if ((index === 0) !== (event.kind === 'session_created'))
      return `${at}: session_created must come first, and only once.`;
    if (dedupeKeys.has(event.dedupeKey)) return `${at} repeats dedupeKey "${event.dedupeKey}".`;
    dedupeKeys.add(event.dedupeKey);
    const data = event.data as unknown as { readonly [key: string]: unknown };
    const missing = REQUIRED_DATA[event.kind].find((key) => !(key in data));
    if (missing !== undefined) return `${at} lacks data.${missing}.`;
    for (const [where, fields] of [
      ['', event],
      ['data.', data],
    ] as const) {
      for (const [field, prefix] of Object.entries(ID_FIELDS)) {
        const id = (fields as { readonly [key: string]: unknown })[field];
        if (id === undefined || (id === null && field === 'parentNodeId')) continue;
        if (typeof id !== 'string' || !ID_PATTERNS[prefix].test(id)) {
          return `${at}: ${where}${field} ${JSON.stringify(id)} is not a ${prefix}_ id.`;
        }
      }
    }
    if (event.kind === 'run_started') {
      runs += 1;
      if (data.workflowHash !== workflow.workflowHash) return `${at} names another workflow than the bundle's.`;
    }
    if (event.kind === 'node_created') {
      if (data.workflowHash !== workflow.workflowHash) return `${at} names another workflow than the bundle's.`;
      if (nodes.has(data.nodeId as string)) return `${at} creates ${String(data.nodeId)} a second time.`;
      nodes.add(data.nodeId as string);
    }
  }
  if (runs !== 1) return `The events start ${runs} runs; a session bundle holds exactly one.`;
  for (const [index, event] of events.entries()) {
    const data = event.data as unknown as { readonly [key: string]: unknown };
    const refs = [
      event.nodeId,
      ...NODE_REFS.map((field) => data[field]),
      event.kind === 'node_created' ? null : data.nodeId,
    ];
    const dangling = refs.find((ref) => typeof ref === 'string' && !nodes.has(ref));
    if (dangling !== undefined)
      return `events[${index}] (${event.kind}) refers to ${String(dangling)}, which no event creates.`;
  }
  return null;
}

function headerOf(fields: Omit<BundleHeader, 'format' | 'v'>): BundleHeader {
  return { format: BUNDLE_FORMAT, v: BUNDLE_VERSION, ...fields };
}

function withoutRecordedResponse(event: SessionEvent): SessionEvent {
  if (event.kind !== 'advance_recorded' || event.data.response === undefined) return event;
  const { response: _dropped, ...data } = event.data;
  return { ...event, data };
}

function pointer(path: readonly PropertyKey[]): string {
  return (
    path.reduce<string>(
      (text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}${text === '' ? '' : '.'}${String(key)}`),
      '',
    ) || '(root)'
  );
}

function refuse(
  reason: BundleRefusal,
  message: string,
  extra: { readonly [key: string]: unknown } = {},
): Result<never, AppError> {
  return err(
    appError('VALIDATION_ERROR', `Refused the session bundle: ${message}`, {
      reason,
      ...extra,
      suggestion:
        'Export the session again with `workrail sessions export <id> -o FILE` and import that file unchanged.',
    }),
  );
}
