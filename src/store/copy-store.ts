// Copies every session of one store into another (`workrail store migrate`): each session's event log exactly as
// recorded, its tokens and the workflows it pins, one target transaction per session, then the remembered roots.
// Afterwards the target is read back and compared, session by session, with what was read from the source (event and
// token counts, and a SHA-256 of each session's events and tokens), so a copy that differs in one byte is reported
// instead of trusted.
import { createHash } from 'node:crypto';
import type { SessionEvent, SessionId } from '../engine/events.js';
import { canonicalJson, sha256Hex } from '../workflow/canonical.js';
import type { WorkflowHash } from '../workflow/types.js';
import type { SessionReader, SessionStore, TokenRecord } from './session-store.js';

const PAGE = 500;

export interface CopyReport {
  readonly sessions: number;
  /** Sessions written by this run; the others were already in the target, identical. */
  readonly copied: number;
  readonly events: number;
  readonly tokens: number;
  readonly workflows: number;
  readonly roots: number;
  /** SHA-256 over every session's digest, in session id order: equal for both stores. */
  readonly digest: string;
}

export type CopyResult =
  | { readonly ok: true; readonly report: CopyReport }
  | { readonly ok: false; readonly sessionId: SessionId | null; readonly reason: string };

/** What the verification compares for one session. */
interface SessionFacts {
  readonly events: number;
  readonly tokens: number;
  readonly digest: string;
}

export function copyStore(source: SessionStore, target: SessionStore): CopyResult {
  const sessionIds = source.read(allSessionIds);
  // What each session must read back as from the target, taken from the one read of the source.
  const expected = new Map<SessionId, SessionFacts>();
  let copied = 0;
  const workflows = new Set<WorkflowHash>();
  for (const sessionId of sessionIds) {
    const { events, tokens } = source.read((r) => ({
      events: r.listEvents(sessionId),
      tokens: r.listTokens(sessionId),
    }));
    const facts = factsFrom(events, tokens);
    expected.set(sessionId, facts);
    const hashes = workflowHashes(events, tokens);
    for (const hash of hashes) workflows.add(hash);
    const existing = target.read((r) => factsOf(r, sessionId));
    if (existing.events > 0) {
      if (existing.digest === facts.digest) continue;
      return { ok: false, sessionId, reason: 'the target already holds this session with different contents' };
    }
    const pinned = source.read((r) => hashes.map((hash) => r.getWorkflow(hash)));
    const missing = hashes.find((_, i) => pinned[i] === null);
    if (missing !== undefined) return { ok: false, sessionId, reason: `pinned workflow ${missing} is missing` };
    const written = target.transaction(sessionId, (tx) => {
      for (const compiled of pinned) if (compiled !== null) tx.pinWorkflow(compiled);
      tx.importEvents(sessionId, events);
      for (const token of tokens) tx.insertToken(token);
    });
    if (!written.ok) return { ok: false, sessionId, reason: 'the target session stayed locked' };
    copied += 1;
  }
  const roots = source.read((r) => r.listRoots());
  const rootsWritten = target.transaction(null, (tx) => {
    for (const root of roots) tx.rememberRoot(root.path, root.lastSeenMs);
  });
  if (!rootsWritten.ok) return { ok: false, sessionId: null, reason: 'the target stayed locked' };
  return verify(target, expected, { copied, workflows: workflows.size, roots: roots.length });
}

/** Reads the target back and compares it, session by session, with what the source held. */
function verify(
  target: SessionStore,
  expected: ReadonlyMap<SessionId, SessionFacts>,
  counts: { copied: number; workflows: number; roots: number },
): CopyResult {
  const targetIds = new Set(target.read(allSessionIds));
  const overall = createHash('sha256');
  let events = 0;
  let tokens = 0;
  for (const [sessionId, want] of expected) {
    if (!targetIds.has(sessionId)) return { ok: false, sessionId, reason: 'missing from the target after the copy' };
    const actual = target.read((r) => factsOf(r, sessionId));
    if (actual.events !== want.events || actual.tokens !== want.tokens) {
      const what = `${actual.events} events and ${actual.tokens} tokens, expected ${want.events} and ${want.tokens}`;
      return { ok: false, sessionId, reason: `the target holds ${what}` };
    }
    if (actual.digest !== want.digest) {
      return { ok: false, sessionId, reason: 'the events or tokens read back differ from the source (hash mismatch)' };
    }
    overall.update(`${sessionId}:${want.digest}\n`);
    events += want.events;
    tokens += want.tokens;
  }
  const report = { sessions: expected.size, events, tokens, ...counts, digest: overall.digest('hex') };
  return { ok: true, report };
}

/** Every session id, in id order (paged through listSessions, newest first, then sorted). */
function allSessionIds(reader: SessionReader): SessionId[] {
  const ids: SessionId[] = [];
  let before: { lastActivityMs: number; sessionId: SessionId } | undefined;
  for (;;) {
    const page = reader.listSessions({ limit: PAGE, ...(before === undefined ? {} : { before }) });
    ids.push(...page.map((s) => s.sessionId));
    if (page.length < PAGE) return ids.sort();
    const last = page[page.length - 1]!;
    before = { lastActivityMs: last.lastActivityMs, sessionId: last.sessionId };
  }
}

function factsOf(reader: SessionReader, sessionId: SessionId): SessionFacts {
  return factsFrom(reader.listEvents(sessionId), reader.listTokens(sessionId));
}

function factsFrom(events: readonly SessionEvent[], tokens: readonly TokenRecord[]): SessionFacts {
  const tokensInOrder = [...tokens].sort((a, b) => (a.token < b.token ? -1 : 1));
  const digest = sha256Hex(canonicalJson({ events, tokens: tokensInOrder }));
  return { events: events.length, tokens: tokens.length, digest };
}

/** The workflows a session's run, nodes and tokens name. */
function workflowHashes(events: readonly SessionEvent[], tokens: readonly TokenRecord[]): WorkflowHash[] {
  // A token whose run is gone reads back with an empty hash (SQLite store); it names no workflow to pin.
  const hashes = new Set<WorkflowHash>(tokens.map((t) => t.workflowHash).filter((h) => (h as string) !== ''));
  for (const event of events) {
    if (event.kind === 'run_started' || event.kind === 'node_created') hashes.add(event.data.workflowHash);
  }
  return [...hashes];
}
