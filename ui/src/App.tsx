// The shell: top bar with tabs and global search, the routed view, and the live channel (docs/console.md §3).
import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useState } from 'react';
import { useLiveUpdates } from './live.js';
import { BASE, navigate, parseRoute, useLocation } from './router.js';
import { SessionsList } from './views/SessionsList.js';
import { ShortcutsDialog } from './views/Shortcuts.js';
import { WorkflowsView } from './views/Workflows.js';

// The graph (@xyflow/react, elkjs) and Markdown views load on demand, so the sessions list paints sooner.
const SessionDetailView = lazy(() =>
  import('./views/SessionDetail.js').then((m) => ({ default: m.SessionDetailView })),
);
const WorkflowDetailView = lazy(() =>
  import('./views/WorkflowDetail.js').then((m) => ({ default: m.WorkflowDetailView })),
);

const TABS = [
  { view: 'sessions', label: 'Sessions', href: `${BASE}/` },
  { view: 'workflows', label: 'Workflows', href: `${BASE}/workflows` },
  { view: 'daemon', label: 'Daemon', href: `${BASE}/daemon` },
] as const;

export function App() {
  const location = useLocation();
  const route = parseRoute(location.split('?')[0] ?? '');
  const live = useLiveUpdates(useQueryClient());
  const activeTab = route.view === 'session' ? 'sessions' : route.view === 'workflow' ? 'workflows' : route.view;
  const [showShortcuts, setShowShortcuts] = useState(false);

  useEffect(() => {
    let pendingG = false;
    const onKey = (event: KeyboardEvent) => {
      if (isTyping(event)) return;
      if (event.key === '?') {
        setShowShortcuts((shown) => !shown);
        return;
      }
      if (event.key === 'Escape') setShowShortcuts(false);
      if (event.key === 'g') {
        pendingG = true;
        return;
      }
      if (pendingG) {
        pendingG = false;
        if (event.key === 's') navigate(`${BASE}/`);
        if (event.key === 'w') navigate(`${BASE}/workflows`);
        if (event.key === 'd') navigate(`${BASE}/daemon`);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="shell">
      <header className="topbar">
        <a className="mark" href={`${BASE}/`} onClick={link(`${BASE}/`)}>
          <span aria-hidden="true">◆</span> WorkRail
        </a>
        <nav role="tablist" aria-label="Views" className="tabs">
          {TABS.map((tab) => (
            <a
              key={tab.view}
              role="tab"
              aria-selected={activeTab === tab.view}
              className={activeTab === tab.view ? 'tab active' : 'tab'}
              href={tab.href}
              onClick={link(tab.href)}
            >
              {tab.label}
            </a>
          ))}
        </nav>
        <div className="badges">
          <span className={live ? 'badge live' : 'badge'} title={live ? 'Live updates connected' : 'Reconnecting'}>
            <span aria-hidden="true">{live ? '●' : '○'}</span> {live ? 'Live' : 'Offline'}
          </span>
          <span className="badge muted" title="WorkTrain daemon">
            <span aria-hidden="true">○</span> Daemon offline
          </span>
          <button
            type="button"
            className="badge"
            aria-label="Keyboard shortcuts"
            title="Keyboard shortcuts ( ? )"
            onClick={() => setShowShortcuts(true)}
          >
            ?
          </button>
        </div>
      </header>
      <main className="content">
        <Suspense fallback={<p className="muted">Loading…</p>}>
          {route.view === 'sessions' && <SessionsList />}
          {route.view === 'session' && <SessionDetailView sessionId={route.sessionId} nodeId={route.nodeId} />}
          {route.view === 'workflows' && <WorkflowsView />}
          {route.view === 'workflow' && <WorkflowDetailView workflowId={route.workflowId} />}
          {route.view === 'daemon' && (
            <section className="panel empty">
              <h1>Daemon</h1>
              <p>Daemon offline: WorkTrain is not running. Start it with `worktrain daemon`; its status appears here.</p>
            </section>
          )}
        </Suspense>
      </main>
      {showShortcuts && <ShortcutsDialog onClose={() => setShowShortcuts(false)} />}
    </div>
  );
}

/** A click handler that routes in-app instead of reloading (modifier clicks keep the browser's behaviour). */
export function link(to: string) {
  return (event: React.MouseEvent) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(to);
  };
}

export function isTyping(event: KeyboardEvent): boolean {
  const target = event.target as HTMLElement | null;
  return target !== null && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.isContentEditable);
}
