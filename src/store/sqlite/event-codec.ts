// How a §10 event is stored in an `events` row (schema 3). Most of an envelope repeats what the event's data and its
// session already say, so a row stores only what cannot be derived:
// - `kind` is a small integer (its index in EVENT_KINDS);
// - `event_id`, `run_id`, `node_id` and `dedupe_key` are NULL when they equal the value derived from the session and
//   the data (see `derived`; for `run_id`, the session's run), '' when the envelope has no such field although one
//   could be derived (always for a missing `run_id`), the value itself otherwise; the ones that are not NULL share
//   one `envelope` column (schema 21, envelope-overrides.ts);
// - `node_created` data leaves out `workflowHash` when it is the hash of the session's run;
// - the data JSON is packed (data-dictionary.ts, schema 8);
// - a node named in the data (NODE_REF_FIELDS) whose `node_created` event is earlier in the session is stored as that
//   event's seq, a number (schema 11); a number or array that was there is stored wrapped in an array.
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
import { type DataKey, dataPath, packJson, unpackJson, unpackString } from './data-dictionary.js';

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

/**
 * The top-level data fields that name a node, by event kind. Schema 11 stores each as the seq of the session's
 * `node_created` event for that node when there is an earlier one (a number of a few digits instead of a 25-character
 * id): `node_created` keeps its own `nodeId`, which the others resolve to.
 */
export const NODE_REF_FIELDS: { readonly [K in EventKind]?: readonly DataKey[] } = {
  node_created: ['parentNodeId'],
  edge_created: ['fromNodeId', 'toNodeId'],
  advance_recorded: ['fromNodeId', 'toNodeId'],
  output_appended: ['nodeId'],
  context_set: ['nodeId'],
  decision_trace_appended: ['nodeId'],
  checkpoint_recorded: ['checkpointNodeId', 'fromNodeId'],
  run_completed: ['finalNodeId'],
};

/** The seq of the session's `node_created` event for a node, if the session holds one (encoding). */
export type NodeSeqOf = (nodeId: string) => number | undefined;
/** The node id of the session's `node_created` event at a seq (decoding); throws if there is none. */
export type NodeIdAt = (seq: number) => string;

export function encodeEvent(event: SessionEvent, session: SessionKey, seqOf: NodeSeqOf): StoredEvent {
  return encodeRow(event, session, (data) => packJson(toNodeRefs(event.kind, data as Data, seqOf)));
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

export function decodeEvent(row: StoredEvent, session: SessionKey, nodeAt: NodeIdAt): SessionEvent {
  const kind = EVENT_KINDS[row.kind];
  if (kind === undefined) throw new Error(`unknown stored event kind ${row.kind}`);
  const data = unpackData(kind, unpackEventData(kind, row.data, nodeAt), session);
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

/**
 * An event's data as stored (`events.data`) back to what was appended, but for the run's workflow hash that a
 * `node_created` leaves out (decodeEvent adds it): enough for every kind but that one.
 */
export function unpackEventData(kind: EventKind, stored: string, nodeAt: NodeIdAt): Data {
  return fromNodeRefs(kind, unpackJson(JSON.parse(stored)) as Data, nodeAt);
}

/** The logical data with its node fields as stored by schema 11 (before packing). */
export function toNodeRefs(kind: EventKind, data: Data, seqOf: NodeSeqOf): Data {
  const fields = NODE_REF_FIELDS[kind];
  if (fields === undefined) return data;
  let out = data;
  for (const field of fields) {
    const value = data[field];
    let stored: unknown;
    if (typeof value === 'string') stored = seqOf(value);
    else if (typeof value === 'number' || Array.isArray(value)) stored = [value];
    if (stored === undefined) continue;
    // The copy keeps the key order; assigning an existing key keeps its place.
    if (out === data) out = { ...data };
    out[field] = stored;
  }
  return out;
}

function fromNodeRefs(kind: EventKind, data: Data, nodeAt: NodeIdAt): Data {
  const fields = NODE_REF_FIELDS[kind];
  if (fields === undefined) return data;
  for (const field of fields) {
    const value = data[field];
    if (typeof value === 'number') data[field] = nodeAt(value);
    else if (Array.isArray(value)) data[field] = value[0];
  }
  return data;
}

/**
 * A resolver over the events being decoded in seq order: node ids of the `node_created` events seen so far (`note`
 * each decoded event), and `lookup` (a read of that event) for the rest.
 */
export function nodeIdsInOrder(lookup: NodeIdAt): { nodeAt: NodeIdAt; note: (event: SessionEvent) => void } {
  const seen = new Map<number, string>();
  return {
    nodeAt: (seq) => seen.get(seq) ?? lookup(seq),
    note: (event) => {
      if (event.kind === 'node_created') seen.set(event.seq, event.data.nodeId);
    },
  };
}

/**
 * The SQL that reads the node id of the `node_created` event with id `?` (NODE_ID_AT_SQL), and its result (a packed
 * string; undefined or null when there is no such event) as a node id.
 */
export const NODE_ID_AT_SQL = `SELECT data ->> '${dataPath('nodeId')}' FROM events WHERE id = ? AND kind = ${EVENT_KINDS.indexOf('node_created')}`;
export function storedNodeId(nodeId: unknown, sessionId: string, seq: number): string {
  if (typeof nodeId !== 'string') {
    throw new Error(`event ${seq} of session ${sessionId} is named as a node's creation but is not a node_created`);
  }
  return unpackString(nodeId);
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
  // The writer derives an appended event's id, then encoding derives it again to compare: remember the last one.
  if (lastDerived.sessionId === sessionId && lastDerived.seq === seq) return lastDerived.eventId;
  const digest = createHash('sha256').update(`${sessionId}:${seq}`).digest();
  let body = '';
  for (let i = 0; i < 20; i++) body += BASE32[digest[i]! & 31];
  const eventId = `evt_${body}` as EventId;
  lastDerived = { sessionId, seq, eventId };
  return eventId;
}
let lastDerived: { sessionId: string; seq: number; eventId: EventId } = { sessionId: '', seq: -1, eventId: 'evt_' };
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
