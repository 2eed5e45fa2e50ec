// A small path router for /console/* (docs/console.md §3): the location is the state, `navigate` pushes it.
import { useSyncExternalStore } from 'react';

export const BASE = '/console';

export type Route =
  | { readonly view: 'sessions' }
  | { readonly view: 'session'; readonly sessionId: string; readonly nodeId: string | null }
  | { readonly view: 'workflows' }
  | { readonly view: 'workflow'; readonly workflowId: string }
  | { readonly view: 'daemon' };

export function parseRoute(pathname: string): Route {
  const parts = pathname.replace(/^\/console\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'sessions' && parts[1] !== undefined) {
    return { view: 'session', sessionId: parts[1], nodeId: parts[2] === 'nodes' ? (parts[3] ?? null) : null };
  }
  if (parts[0] === 'workflows') return parts[1] === undefined ? { view: 'workflows' } : { view: 'workflow', workflowId: parts[1] };
  if (parts[0] === 'daemon') return { view: 'daemon' };
  return { view: 'sessions' };
}

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => {
  for (const listener of listeners) listener();
});

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Path plus query of the current location. */
export function useLocation(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname + window.location.search);
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === window.location.pathname + window.location.search) return;
  if (options.replace === true) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  for (const listener of listeners) listener();
}

export function sessionPath(sessionId: string, nodeId?: string | null): string {
  const base = `${BASE}/sessions/${encodeURIComponent(sessionId)}`;
  return nodeId == null ? base : `${base}/nodes/${encodeURIComponent(nodeId)}`;
}
