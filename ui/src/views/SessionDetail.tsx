// Session detail (docs/console.md §3.2): header, then the run as Graph / Trace / Artifacts tabs, with the node
// panel beside the graph. Arrow keys move through the graph, Enter opens the panel, Esc closes it.
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { SessionDetail } from '../../../src/http/schemas.js';
import { api } from '../api.js';
import { isTyping, link } from '../App.js';
import { duration, relativeTime, STATUS } from '../format.js';
import { neighbour } from '../graph-model.js';
import { BASE, navigate, sessionPath } from '../router.js';
import { JsonView, NodePanel } from './NodePanel.js';
import { RunGraph } from './RunGraph.js';

type Tab = 'graph' | 'trace' | 'artifacts';

export function SessionDetailView(props: { sessionId: string; nodeId: string | null }) {
  const { sessionId, nodeId } = props;
  const session = useQuery({ queryKey: ['session', sessionId], queryFn: () => api.session(sessionId) });
  const [tab, setTab] = useState<Tab>('graph');
  const [showGhosts, setShowGhosts] = useState(true);
  const [cursor, setCursor] = useState<string | null>(nodeId);
  const run = session.data?.run ?? null;

  useEffect(() => {
    if (nodeId !== null) setCursor(nodeId);
  }, [nodeId]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (isTyping(event) || run === null || tab !== 'graph') return;
      if (event.key === 'Escape' && nodeId !== null) {
        navigate(sessionPath(sessionId), { replace: true });
        return;
      }
      if (event.key === 'Enter' && cursor !== null) {
        navigate(sessionPath(sessionId, cursor));
        return;
      }
      if (['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'j', 'k'].includes(event.key)) {
        event.preventDefault();
        const start = cursor ?? run.preferredTipNodeId ?? run.nodes[0]?.nodeId ?? null;
        const next = start === null ? null : cursor === null ? start : neighbour(run, start, event.key);
        if (next !== null) {
          setCursor(next);
          if (nodeId !== null) navigate(sessionPath(sessionId, next), { replace: true });
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [run, cursor, nodeId, sessionId, tab]);

  if (session.isError) {
    return (
      <section className="panel">
        <a href={`${BASE}/`} onClick={link(`${BASE}/`)}>
          ← Sessions
        </a>
        <p className="error-text">Could not load the session: {session.error.message}</p>
      </section>
    );
  }
  if (session.data === undefined) return <section className="panel">Loading…</section>;
  const data = session.data;

  return (
    <div className={nodeId === null ? 'detail' : 'detail with-panel'}>
      <section className="panel detail-main">
        <SessionHeader session={data} />
        <div role="tablist" aria-label="Run views" className="subtabs">
          {(['graph', 'trace', 'artifacts'] as const).map((t) => (
            <button key={t} type="button" role="tab" aria-selected={tab === t} onClick={() => setTab(t)}>
              {t === 'graph' ? 'Graph' : t === 'trace' ? 'Trace' : 'Artifacts'}
            </button>
          ))}
          {tab === 'graph' && (
            <label className="toggle">
              <input type="checkbox" checked={showGhosts} onChange={(e) => setShowGhosts(e.target.checked)} /> Show
              skipped steps
            </label>
          )}
        </div>
        {run === null && <p className="empty">{data.healthReason ?? 'This session has no run yet.'}</p>}
        {run !== null && tab === 'graph' && (
          <>
            <Legend />
            <RunGraph
              run={run}
              live={data.status === 'in_progress'}
              showGhosts={showGhosts}
              selectedNodeId={cursor}
              onSelect={(id) => {
                setCursor(id);
                navigate(sessionPath(sessionId, id));
              }}
            />
          </>
        )}
        {run !== null && tab === 'trace' && (
          <TraceList
            run={run}
            onSelect={(id) => {
              setCursor(id);
              setTab('graph');
              navigate(sessionPath(sessionId, id));
            }}
          />
        )}
        {run !== null && tab === 'artifacts' && <ArtifactsTab sessionId={sessionId} />}
      </section>
      {nodeId !== null && (
        <NodePanel sessionId={sessionId} nodeId={nodeId} onClose={() => navigate(sessionPath(sessionId))} />
      )}
    </div>
  );
}

function SessionHeader({ session }: { session: SessionDetail }) {
  const status = STATUS[session.status];
  return (
    <header className="session-header">
      <a href={`${BASE}/`} onClick={link(`${BASE}/`)} className="back">
        ← Sessions
      </a>
      <h1>{session.title ?? session.goal ?? session.sessionId}</h1>
      <div className="meta">
        <span className={`chip ${status.tone}`}>
          <span aria-hidden="true">{status.icon}</span> {status.label}
        </span>
        {session.dormant && <span className="chip muted">dormant</span>}
        <span className={`chip ${session.health === 'healthy' ? 'muted' : 'error'}`}>{session.health}</span>
        <span>
          {session.workflowName ?? session.workflowId}{' '}
          <span className="muted">
            {session.workflowVersion !== null && `v${session.workflowVersion}`}{' '}
            <span className="mono">{session.workflowHash?.slice(7, 19)}</span>
          </span>
        </span>
        <span className="mono muted">{session.sessionId}</span>
        <button type="button" className="small-button" onClick={() => void navigator.clipboard?.writeText(session.sessionId)}>
          Copy id
        </button>
      </div>
      <div className="meta muted">
        <span title={session.workspacePath}>{session.workspacePath}</span>
        {session.branch !== null && <span className="mono">⎇ {session.branch}</span>}
        <span>started {relativeTime(session.createdAt)}</span>
        <span>last activity {relativeTime(session.lastActivityAt)}</span>
        <span>duration {duration(session.durationMs)}</span>
        <span>
          {session.stepsCompleted} steps · {session.blockedAttempts} blocked
        </span>
      </div>
      {session.run !== null && session.run.contextFacts.length > 0 && (
        <ul className="facts" aria-label="Context facts">
          {session.run.contextFacts.slice(0, 12).map((fact) => (
            <li key={fact.key}>
              <span className="mono">{fact.key}</span> = {fact.value}
            </li>
          ))}
        </ul>
      )}
    </header>
  );
}

function Legend() {
  return (
    <ul className="legend" aria-label="Legend">
      <li>
        <span className="swatch tip" /> preferred tip
      </li>
      <li>✖ blocked attempt</li>
      <li>⚑ checkpoint</li>
      <li>◌ skipped step (ghost)</li>
      <li>#n loop iteration</li>
    </ul>
  );
}

const TRACE_KINDS = ['selected_step', 'skipped_step', 'entered_loop', 'iteration_started', 'exited_loop', 'fork_detected'];

function TraceList(props: { run: NonNullable<SessionDetail['run']>; onSelect: (nodeId: string) => void }) {
  const [kinds, setKinds] = useState<Set<string>>(new Set(TRACE_KINDS));
  const entries = props.run.trace.filter((t) => kinds.has(t.kind));
  return (
    <div className="trace">
      <fieldset className="filters" aria-label="Trace kinds">
        {TRACE_KINDS.map((kind) => (
          <label key={kind} className={kinds.has(kind) ? 'chip-toggle on' : 'chip-toggle'}>
            <input
              type="checkbox"
              checked={kinds.has(kind)}
              onChange={() => {
                const next = new Set(kinds);
                if (next.has(kind)) next.delete(kind);
                else next.add(kind);
                setKinds(next);
              }}
            />
            {kind.replace('_', ' ')}
          </label>
        ))}
      </fieldset>
      <ol className="trace-list">
        {entries.map((entry, index) => (
          <li key={`${entry.eventIndex}-${index}`} data-testid="trace-entry" data-kind={entry.kind}>
            <button type="button" className="trace-entry" onClick={() => props.onSelect(entry.nodeId)}>
              <span className={`chip ${entry.kind === 'skipped_step' ? 'warning' : 'muted'}`}>{entry.kind}</span>{' '}
              {entry.summary}
              <span className="muted small"> · event {entry.eventIndex}</span>
            </button>
          </li>
        ))}
      </ol>
    </div>
  );
}

function ArtifactsTab({ sessionId }: { sessionId: string }) {
  const artifacts = useQuery({
    queryKey: ['session', sessionId, 'artifacts'],
    queryFn: async () => {
      const response = await fetch(`/api/v2/sessions/${encodeURIComponent(sessionId)}/artifacts`);
      return ((await response.json()) as { data: { artifacts: { nodeId: string; stepId: string | null; kind: string; byteLength: number; content: unknown }[] } }).data.artifacts;
    },
  });
  if (artifacts.data === undefined) return <p>Loading…</p>;
  if (artifacts.data.length === 0) return <p className="empty">No artifacts in this run.</p>;
  return (
    <ul className="artifact-list">
      {artifacts.data.map((artifact, index) => (
        <li key={`${artifact.nodeId}-${index}`}>
          <div>
            <strong>{artifact.kind}</strong> <span className="muted">step {artifact.stepId ?? '?'} · {artifact.byteLength} bytes</span>{' '}
            <a href={sessionPath(sessionId, artifact.nodeId)} onClick={link(sessionPath(sessionId, artifact.nodeId))}>
              open node
            </a>
          </div>
          <JsonView value={artifact.content} />
        </li>
      ))}
    </ul>
  );
}
