// The console's sessions list (docs/console.md §3.1, §4.1 GET /sessions): filter, search, sort and cursor paging
// over every session in the store. The store's summaries are cached until its change counter moves, and the
// per-session facts (tip kind, metrics) are cached per session version, so a page costs a few lookups.
import type { SessionReader, SessionStore, SessionSummary } from '../store/index.js';
import { readSummaryFacts, type SummaryFacts, toSummaryView } from './console-session-summary.js';
import type { SessionStatus, SessionSummaryView } from './console-views.js';
import type { Clock } from './deps.js';
import { type AppError, appError } from './errors.js';
import { err, ok, type Result } from './result.js';

export const SESSION_SORTS = ['lastActivity', 'created', 'duration', 'status', 'workflow'] as const;
export type SessionSort = (typeof SESSION_SORTS)[number];

export interface SessionQuery {
  /** Full text over title, goal and notes; a `sess_` prefix also matches ids. */
  readonly q?: string;
  readonly status?: readonly SessionStatus[];
  readonly workflowId?: string;
  readonly source?: 'editor' | 'daemon';
  /** A repository root, its last path segment, or a workspace path. */
  readonly repo?: string;
  readonly branch?: string;
  /** Last activity at or after (ms). */
  readonly since?: number;
  /** Last activity before (ms). */
  readonly until?: number;
  readonly sort?: SessionSort;
  readonly limit: number;
  readonly cursor?: string;
}

export interface SessionPage {
  readonly sessions: readonly SessionSummaryView[];
  readonly totalCount: number;
  readonly nextCursor: string | null;
}

export interface ConsoleSessions {
  /** One page of sessions; VALIDATION_ERROR (details.field = "cursor") for a cursor this list did not issue. */
  list(query: SessionQuery): Result<SessionPage, AppError>;
  /** The list row of one session (read through `reader`'s snapshot), or null when it does not exist. */
  summary(reader: SessionReader, sessionId: string): SessionSummaryView | null;
}

const STATUS_ORDER: Record<SessionStatus, number> = { blocked: 0, in_progress: 1, complete_with_gaps: 2, complete: 3 };
const SEARCH_LIMIT = 10_000;
const FULL_RELOAD_MS = 60_000;

type SortKey = readonly [number | string, string];

/** Builds the list over `store`; `clock` decides dormancy. */
export function createConsoleSessions(store: SessionStore, clock: Clock): ConsoleSessions {
  let cachedCounter: number | null = null;
  let summaries: readonly SessionSummary[] = [];
  let byId = new Map<string, SessionSummary>();
  const facts = new Map<string, { readonly version: string; readonly facts: SummaryFacts }>();

  const factsOf = (reader: SessionReader, summary: SessionSummary): SummaryFacts => {
    const version = `${summary.lastActivityMs}|${summary.preferredTipNodeId}|${summary.isComplete}`;
    const cached = facts.get(summary.sessionId);
    if (cached?.version === version) return cached.facts;
    const fresh = readSummaryFacts(reader, summary);
    facts.set(summary.sessionId, { version, facts: fresh });
    return fresh;
  };

  let watermark = 0;
  let fullLoadAt = Number.NEGATIVE_INFINITY;

  /**
   * A change reloads only the sessions active since the newest activity seen (a commit moves its session's
   * activity to now); a full reload every FULL_RELOAD_MS also catches writers whose clocks lag.
   */
  const refresh = (reader: SessionReader) => {
    const counter = store.changeCounter();
    if (counter === cachedCounter) return;
    const now = clock.now();
    const full = now - fullLoadAt > FULL_RELOAD_MS;
    const changed = reader.listSessions({ limit: Number.MAX_SAFE_INTEGER, ...(full ? {} : { sinceMs: watermark }) });
    if (full) {
      byId = new Map();
      fullLoadAt = now;
    }
    for (const s of changed) {
      byId.set(s.sessionId, s);
      watermark = Math.max(watermark, s.lastActivityMs);
    }
    summaries = [...byId.values()];
    cachedCounter = counter;
  };

  return {
    list(query) {
      const cursor = query.cursor === undefined ? null : decodeCursor(query.cursor);
      if (cursor === undefined) {
        return err(appError('VALIDATION_ERROR', 'cursor is not a cursor this list issued.', { field: 'cursor' }));
      }
      return ok(
        store.read((reader) => {
          refresh(reader);
          const now = clock.now();
          const rows = candidates(reader, summaries, query).filter(
            (s) => query.status === undefined || query.status.includes(factsOf(reader, s).status),
          );
          const sort = query.sort ?? 'lastActivity';
          const keyOf = (s: SessionSummary) => sortKey(sort, s, () => factsOf(reader, s));
          const keyed = rows.map((s) => ({ s, key: keyOf(s) })).sort((a, b) => compareKeys(a.key, b.key));
          const start = cursor === null ? 0 : firstAfter(keyed, cursor);
          const page = keyed.slice(start, start + query.limit);
          const last = page.at(-1);
          const hasMore = start + query.limit < keyed.length;
          return {
            sessions: page.map(({ s }) => toSummaryView(s, factsOf(reader, s), now)),
            totalCount: keyed.length,
            nextCursor: hasMore && last !== undefined ? encodeCursor(last.key) : null,
          };
        }),
      );
    },
    summary(reader, sessionId) {
      refresh(reader);
      const found = byId.get(sessionId);
      return found === undefined ? null : toSummaryView(found, factsOf(reader, found), clock.now());
    },
  };
}

function candidates(reader: SessionReader, all: readonly SessionSummary[], query: SessionQuery): SessionSummary[] {
  const matches = query.q === undefined || query.q.trim() === '' ? null : searchIds(reader, query.q.trim());
  const repo = query.repo;
  return all.filter(
    (s) =>
      (matches === null || matches.has(s.sessionId)) &&
      (query.workflowId === undefined || s.workflowId === query.workflowId) &&
      (query.source === undefined || query.source === 'editor') &&
      (repo === undefined || matchesRepo(s, repo)) &&
      (query.branch === undefined || s.observations.gitBranch === query.branch) &&
      (query.since === undefined || s.lastActivityMs >= query.since) &&
      (query.until === undefined || s.lastActivityMs < query.until),
  );
}

function searchIds(reader: SessionReader, q: string): Set<string> {
  const ids = new Set<string>(reader.searchSessions(q, SEARCH_LIMIT).map((m) => m.sessionId));
  for (const word of q.split(/\s+/)) if (word.startsWith('sess_')) ids.add(word);
  return ids;
}

function matchesRepo(s: SessionSummary, repo: string): boolean {
  const root = s.observations.repoRoot;
  return root === repo || s.workspacePath === repo || (root !== null && root.split('/').at(-1) === repo);
}

function sortKey(sort: SessionSort, s: SessionSummary, facts: () => SummaryFacts): SortKey {
  switch (sort) {
    case 'lastActivity':
      return [-s.lastActivityMs, s.sessionId];
    case 'created':
      return [-s.createdAtMs, s.sessionId];
    case 'duration':
      return [-(facts().durationMs ?? 0), s.sessionId];
    case 'status':
      return [STATUS_ORDER[facts().status] * 1e15 - s.lastActivityMs, s.sessionId];
    case 'workflow':
      return [`${facts().workflowName ?? s.workflowId ?? '\uffff'}`, s.sessionId];
    default: {
      const unreachable: never = sort;
      throw new Error(`unknown sort ${String(unreachable)}`);
    }
  }
}

function compareKeys(a: SortKey, b: SortKey): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

function firstAfter(keyed: readonly { readonly key: SortKey }[], cursor: SortKey): number {
  let lo = 0;
  let hi = keyed.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareKeys((keyed[mid] as { key: SortKey }).key, cursor) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function encodeCursor(key: SortKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The decoded key, or undefined when `text` is not a cursor of this list. */
function decodeCursor(text: string): SortKey | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [primary, id] = value as unknown[];
    if ((typeof primary !== 'number' && typeof primary !== 'string') || typeof id !== 'string') return undefined;
    return [primary, id];
  } catch {
    return undefined;
  }
}
