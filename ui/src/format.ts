// Labels, icons and times shared by the views. Status is never shown by colour alone (docs/console.md §6).
import type { SessionSummary } from '../../src/http/schemas.js';

export const STATUS: Record<SessionSummary['status'], { label: string; icon: string; tone: string }> = {
  in_progress: { label: 'In progress', icon: '▶', tone: 'live' },
  blocked: { label: 'Blocked', icon: '✖', tone: 'error' },
  complete: { label: 'Complete', icon: '✔', tone: 'success' },
  complete_with_gaps: { label: 'Complete with gaps', icon: '◐', tone: 'warning' },
};

export function relativeTime(ms: number, now = Date.now()): string {
  const seconds = Math.round((now - ms) / 1000);
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return `${Math.round(hours / 24)} d ago`;
}

export function duration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function shortPath(path: string | null): string {
  if (path === null) return '—';
  return path.split('/').filter(Boolean).slice(-2).join('/');
}
