// The sessions list (docs/console.md §3.1): status, goal, workflow, workspace, branch, steps, age; search and
// filters live in the URL; `/` focuses search, j/k move, Enter opens. New sessions arrive through the live channel,
// highlighted and announced in a polite live region.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import type { SessionSummary } from '../../../src/http/schemas.js';
import { api } from '../api.js';
import { isTyping, link } from '../App.js';
import { duration, relativeTime, STATUS, shortPath } from '../format.js';
import { BASE, navigate, sessionPath, useLocation } from '../router.js';

const STATUSES = ['in_progress', 'blocked', 'complete'] as const;
const SORTS = [
  ['lastActivity', 'Last activity'],
  ['created', 'Created'],
  ['duration', 'Duration'],
  ['status', 'Status'],
  ['workflow', 'Workflow'],
] as const;

export function SessionsList() {
  const location = useLocation();
  const params = new URLSearchParams(location.split('?')[1] ?? '');
  const query = apiQuery(params);
  const sessions = useQuery({
    queryKey: ['sessions', query],
    queryFn: () => api.sessions(query),
    placeholderData: keepPreviousData,
    refetchInterval: 30_000,
  });
  const [selected, setSelected] = useState(0);
  const search = useRef<HTMLInputElement>(null);
  const [text, setText] = useState(params.get('q') ?? '');
  const rows = sessions.data?.sessions ?? [];
  const { announcement, fresh } = useArrivals(query, sessions.data?.sessions);

  const setParam = (key: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value === null || value === '') next.delete(key);
    else next.set(key, value);
    const qs = next.toString();
    navigate(`${BASE}/${qs === '' ? '' : `?${qs}`}`, { replace: true });
  };

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === '/' && !isTyping(event)) {
        event.preventDefault();
        search.current?.focus();
        return;
      }
      if (event.key === 'Escape' && document.activeElement === search.current) search.current?.blur();
      if (isTyping(event)) return;
      if (event.key === 'j') setSelected((i) => Math.min(i + 1, Math.max(rows.length - 1, 0)));
      if (event.key === 'k') setSelected((i) => Math.max(i - 1, 0));
      if (event.key === 'Enter' && rows[selected] !== undefined) navigate(sessionPath(rows[selected].sessionId));
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [rows, selected]);

  useEffect(() => {
    document.querySelector<HTMLElement>(`[data-row-index="${selected}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [selected]);

  const statusFilter = new Set((params.get('status') ?? '').split(',').filter(Boolean));
  const toggleStatus = (status: string) => {
    const next = new Set(statusFilter);
    if (next.has(status)) next.delete(status);
    else next.add(status);
    setParam('status', [...next].join(','));
  };

  return (
    <section className="panel">
      <div className="toolbar">
        <h1>Sessions</h1>
        <form
          role="search"
          onSubmit={(event) => {
            event.preventDefault();
            setParam('q', text.trim());
          }}
        >
          <input
            ref={search}
            type="search"
            aria-label="Search sessions"
            placeholder="Search goal, notes, ids  ( / )"
            value={text}
            onChange={(event) => setText(event.target.value)}
          />
        </form>
        <fieldset className="filters" aria-label="Status filter">
          {STATUSES.map((status) => (
            <label key={status} className={statusFilter.has(status) ? 'chip-toggle on' : 'chip-toggle'}>
              <input type="checkbox" checked={statusFilter.has(status)} onChange={() => toggleStatus(status)} />
              <span aria-hidden="true">{STATUS[status].icon}</span> {STATUS[status].label}
            </label>
          ))}
        </fieldset>
        <label className="sort">
          Sort{' '}
          <select value={params.get('sort') ?? 'lastActivity'} onChange={(event) => setParam('sort', event.target.value)}>
            {SORTS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        {params.get('workflowId') !== null && (
          <button type="button" className="chip-toggle on" onClick={() => setParam('workflowId', null)}>
            workflow: {params.get('workflowId')} ✕
          </button>
        )}
      </div>
      <p className="visually-hidden" aria-live="polite" data-testid="live-announcer">
        {announcement}
      </p>
      {sessions.isError && <p className="error-text">Could not load sessions: {String(sessions.error.message)}</p>}
      {sessions.isSuccess && rows.length === 0 && (
        <p className="empty">
          No sessions{params.toString() === '' ? ' yet: start a workflow from your editor, or run `worktrain dispatch`.' : ' match these filters.'}
        </p>
      )}
      {rows.length > 0 && (
        <table className="sessions" aria-label="Sessions">
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col">Goal</th>
              <th scope="col">Workflow</th>
              <th scope="col">Workspace</th>
              <th scope="col">Branch</th>
              <th scope="col">Steps</th>
              <th scope="col">Last activity</th>
              <th scope="col">Duration</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((session, index) => (
              <SessionRow
                key={session.sessionId}
                session={session}
                index={index}
                selected={index === selected}
                fresh={fresh.has(session.sessionId)}
              />
            ))}
          </tbody>
        </table>
      )}
      {sessions.data !== undefined && (
        <p className="muted small">
          {rows.length} of {sessions.data.totalCount} sessions
          {sessions.data.nextCursor !== null && ' (refine the search to see older ones)'}
        </p>
      )}
    </section>
  );
}

/**
 * New and newly finished sessions since the last answer to the same query: a sentence for the polite live region,
 * and the ids of new rows, highlighted for a few seconds (docs/console.md §3.1, §6).
 */
function useArrivals(query: string, sessions: readonly SessionSummary[] | undefined) {
  const seen = useRef<{ query: string; status: Map<string, SessionSummary['status']> } | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => {
    if (sessions === undefined) return;
    const before = seen.current?.query === query ? seen.current.status : null;
    seen.current = { query, status: new Map(sessions.map((s) => [s.sessionId, s.status])) };
    if (before === null) return;
    const arrived = sessions.filter((s) => !before.has(s.sessionId));
    const finished = sessions.filter((s) => {
      const was = before.get(s.sessionId);
      return was !== undefined && was !== s.status && (s.status === 'complete' || s.status === 'complete_with_gaps');
    });
    const label = (s: SessionSummary) => s.title ?? s.goal ?? s.sessionId;
    const sentences = [
      ...arrived.map((s) => `New session: ${label(s)}.`),
      ...finished.map((s) => `Session finished: ${label(s)}.`),
    ];
    if (sentences.length > 0) setAnnouncement(sentences.join(' '));
    if (arrived.length > 0) setFresh(new Set(arrived.map((s) => s.sessionId)));
  }, [query, sessions]);
  useEffect(() => {
    if (fresh.size === 0) return;
    const timer = setTimeout(() => setFresh(new Set()), 4_000);
    return () => clearTimeout(timer);
  }, [fresh]);
  return { announcement, fresh };
}

function SessionRow(props: { session: SessionSummary; index: number; selected: boolean; fresh: boolean }) {
  const { session } = props;
  const status = STATUS[session.status];
  const href = sessionPath(session.sessionId);
  return (
    <tr
      data-testid="session-row"
      data-session-id={session.sessionId}
      data-row-index={props.index}
      className={[props.selected ? 'selected' : '', props.fresh ? 'fresh' : ''].join(' ').trim() || undefined}
      aria-selected={props.selected}
    >
      <td>
        <span className={`chip ${status.tone}`}>
          <span aria-hidden="true">{status.icon}</span> {status.label}
        </span>
        {session.dormant && <span className="chip muted">dormant</span>}
        {session.health === 'corrupt' && <span className="chip error">corrupt</span>}
      </td>
      <td className="goal">
        <a href={href} onClick={link(href)}>
          {session.title ?? session.goal ?? session.sessionId}
        </a>
        <div className="mono muted small">{session.sessionId}</div>
      </td>
      <td>{session.workflowName ?? session.workflowId ?? '—'}</td>
      <td title={session.workspacePath}>{shortPath(session.repoRoot ?? session.workspacePath)}</td>
      <td className="mono">{session.branch ?? '—'}</td>
      <td>
        {session.stepsCompleted}
        {session.blockedAttempts > 0 && <span className="muted"> · {session.blockedAttempts} blocked</span>}
      </td>
      <td title={new Date(session.lastActivityAt).toLocaleString()}>{relativeTime(session.lastActivityAt)}</td>
      <td>{duration(session.durationMs)}</td>
    </tr>
  );
}

function apiQuery(params: URLSearchParams): string {
  const allowed = ['q', 'status', 'workflowId', 'repo', 'branch', 'since', 'until', 'sort'];
  const next = new URLSearchParams();
  for (const key of allowed) {
    const value = params.get(key);
    if (value !== null && value !== '') next.set(key, value);
  }
  next.set('limit', '200');
  return `?${next.toString()}`;
}
