// How a §10 event is stored in an `events` row (schema 3). Most of an envelope repeats what the event's data and its
// session already say, so a row stores only what cannot be derived:
// - `kind` is a small integer (its index in EVENT_KINDS);
// - `event_id`, `run_id`, `node_id` and `dedupe_key` are NULL when they equal the value derived from the session and
//   the data (see `derived`; for `run_id`, the session's run), '' when the envelope has no such field although one
//   could be derived (always for a missing `run_id`), the value itself otherwise;
// - `node_created` data leaves out `workflowHash` when it is the hash of the session's run;
// - the data JSON is packed (data-dictionary.ts, schema 8).
// The session's run (id and workflow hash) is a fact of `session_keys`, written when `run_started` is appended, so
// decoding never reads a projection. Decoding gives back exactly the event that was encoded.
import { createHash } from 'node:crypto';
import {
  EVENT_KINDS,
  type EventId,
  type EventKind,
  type RunId,
  type SessionEvent,
  type SessionId,
} from '../../engine/events.js';
import type { WorkflowHash } from '../../workflow/types.js';
import { packJson, unpackJson } from './data-dictionary.js';

const KIND_CODES = new Map(EVENT_KINDS.map((kind, code) => [kind, code]));

/** What decoding needs to know about the session: its id and its run (null before `run_started`). */
export interface SessionKey {
  readonly sessionId: SessionId;
  readonly runId: RunId | null;
  readonly workflowHash: WorkflowHash | null;
}

/** The stored columns of one event, as read back (`kind` is its code). */
export interface StoredEvent {
  seq: number;
  kind: number;
  at_ms: number;
  data: string;
  event_id: string | null;
  run_id: string | null;
  node_id: string | null;
  dedupe_key: string | null;
}

export function encodeEvent(event: SessionEvent, session: SessionKey): StoredEvent {
  return encodeRow(event, session, packJson);
}

/** The row as schemas 3 to 7 stored it: data as plain JSON (for migration 3). */
export function encodeEnvelope(event: SessionEvent, session: SessionKey): StoredEvent {
  return encodeRow(event, session, (data) => data);
}

function encodeRow(event: SessionEvent, session: SessionKey, pack: (data: unknown) => unknown): StoredEvent {
  const d = derived(event.kind, event.data, event.seq, session, event.runId);
  return {
    seq: event.seq,
    kind: kindCode(event.kind),
    at_ms: event.atMs,
    data: JSON.stringify(pack(packData(event, session))),
    event_id: column(event.eventId, d.eventId),
    // Not column(): a run-less event stays run-less after the session gets its run.
    run_id: event.runId === undefined ? '' : event.runId === session.runId ? null : event.runId,
    node_id: column(event.nodeId, d.nodeId),
    dedupe_key: column(event.dedupeKey, d.dedupeKey),
  };
}

export function decodeEvent(row: StoredEvent, session: SessionKey): SessionEvent {
  const kind = EVENT_KINDS[row.kind];
  if (kind === undefined) throw new Error(`unknown stored event kind ${row.kind}`);
  const data = unpackData(kind, unpackJson(JSON.parse(row.data)) as Record<string, unknown>, session);
  const runId = value(row.run_id, session.runId ?? undefined);
  const d = derived(kind, data, row.seq, session, runId);
  const nodeId = value(row.node_id, d.nodeId);
  return {
    eventId: value(row.event_id, d.eventId),
    sessionId: session.sessionId,
    seq: row.seq,
    kind,
    ...(runId === undefined ? {} : { runId }),
    ...(nodeId === undefined ? {} : { nodeId }),
    dedupeKey: value(row.dedupe_key, d.dedupeKey),
    atMs: row.at_ms,
    data,
  } as SessionEvent;
}

export function kindCode(kind: EventKind): number {
  const code = KIND_CODES.get(kind);
  if (code === undefined) throw new Error(`event kind ${kind} has no stored code`);
  return code;
}

/** An event row's id (schema 6): `(sk << 32) | seq`, so one session's events are one contiguous id range. */
export function eventKey(sk: number, seq: number): bigint {
  return (BigInt(sk) << 32n) | BigInt(seq);
}

/** The ids of a session's events: `[lo, hi)`. */
export function sessionRange(sk: number): readonly [bigint, bigint] {
  return [BigInt(sk) << 32n, BigInt(sk + 1) << 32n];
}

/** The event id a row without one has: 20 base32 characters of SHA-256(session id, seq), like a random id. */
export function derivedEventId(sessionId: SessionId, seq: number): EventId {
  const digest = createHash('sha256').update(`${sessionId}:${seq}`).digest();
  let body = '';
  for (let i = 0; i < 20; i++) body += BASE32[digest[i]! & 31];
  return `evt_${body}` as EventId;
}
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** NULL: the derived value; '': absent although one could be derived; else the value. */
function column(actual: string | undefined, derivedValue: string | undefined): string | null {
  if (actual === derivedValue) return null;
  return actual ?? '';
}

function value<T extends string>(stored: string | null, derivedValue: string | undefined): T {
  if (stored === null) return derivedValue as T;
  return (stored === '' ? undefined : stored) as T;
}

type Data = Record<string, unknown>;

function packData(event: SessionEvent, session: SessionKey): unknown {
  if (event.kind !== 'node_created' || event.data.workflowHash !== session.workflowHash) return event.data;
  const { workflowHash: _runHash, ...rest } = event.data;
  return rest;
}

function unpackData(kind: EventKind, data: Data, session: SessionKey): Data {
  if (kind !== 'node_created' || 'workflowHash' in data) return data;
  return { ...data, workflowHash: session.workflowHash };
}

/** The envelope fields as the engine and use cases build them (engine/records.ts, app/start-workflow.ts). */
function derived(kind: EventKind, raw: unknown, seq: number, session: SessionKey, runId: string | undefined) {
  const d = raw as Data;
  const id = (key: string) => (typeof d[key] === 'string' ? (d[key] as string) : undefined);
  const nodeId = id('nodeId') ?? id('checkpointNodeId') ?? id('finalNodeId') ?? id('fromNodeId');
  return {
    eventId: derivedEventId(session.sessionId, seq) as string,
    runId: session.runId ?? undefined,
    nodeId,
    dedupeKey: derivedDedupeKey(kind, d, session.sessionId, runId),
  };
}

function derivedDedupeKey(kind: EventKind, d: Data, sessionId: SessionId, runId: string | undefined) {
  switch (kind) {
    case 'session_created':
      return `session_created:${sessionId}`;
    case 'node_created':
      return `node:${d.nodeId}`;
    case 'edge_created':
      return `edge:${d.fromNodeId}:${d.toNodeId}`;
    case 'advance_recorded':
      return `advance:${d.fromNodeId}:${d.attemptId}`;
    case 'output_appended':
      return d.channel === 'notes' ? `notes:${d.nodeId}:${d.attemptId}` : undefined;
    case 'context_set':
      return `context:${d.nodeId}`;
    case 'decision_trace_appended':
      return `trace:${d.nodeId}`;
    case 'checkpoint_recorded':
      return `checkpoint:${d.fromNodeId}:${d.attemptId}`;
    case 'run_completed':
      return `run_completed:${runId ?? d.finalNodeId}`;
    default:
      return undefined;
  }
}
