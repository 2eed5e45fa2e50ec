// Daemon session records (docs/worktrain.md §5.6): one per accepted dispatch, looked up by daemon id, workrail id
// or an unambiguous prefix of ≥ 8 characters. The registry is in memory; every change is also written to daemon.db
// (state/sidecars.ts), which reloads it at startup.
import type { TurnUsage } from './providers/types.js';

export type SessionState =
  | 'queued'
  | 'preparing'
  | 'running'
  | 'parked'
  | 'delivering'
  | 'delivery_failed'
  | 'interrupted'
  | 'completed';

export type DeliveryStatus = 'none' | 'pending' | 'running' | 'completed' | 'failed' | 'skipped';

/** The delivery part of the record (§5.6); `stage` is the last stage reached (the failed one on failure). */
export interface SessionDelivery {
  status: DeliveryStatus;
  stage: string | null;
  prUrl: string | null;
  commitShas: string[];
  error: string | null;
}

export interface DaemonSession {
  readonly sessionId: string;
  workrailSessionId: string | null;
  readonly triggerId: string;
  readonly workflowId: string;
  readonly goal: string;
  readonly workspacePath: string;
  worktreePath: string | null;
  branch: string | null;
  state: SessionState;
  outcome: string | null;
  detail: string | null;
  readonly queuedAt: string;
  startedAt: string | null;
  endedAt: string | null;
  turns: number;
  stepAdvances: number;
  currentStepId: string | null;
  resumeCount: number;
  readonly provider: string;
  readonly model: string;
  tokens: TurnUsage;
  delivery: SessionDelivery;
  live: { activity: 'thinking' | 'tool' | 'idle'; toolName: string | null; currentStepTitle: string | null } | null;
  result: {
    finalNotes: string | null;
    artifacts: readonly unknown[];
    signals: { signalId: string; signalKind: string; payload: unknown; ts: number }[];
    issues: unknown[];
  };
}

export type Lookup =
  | { readonly kind: 'found'; readonly session: DaemonSession }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'ambiguous'; readonly matches: readonly string[] };

export interface SessionRegistry {
  add(session: DaemonSession): void;
  find(id: string): Lookup;
  list(): readonly DaemonSession[];
}

export function createSessionRegistry(): SessionRegistry {
  const sessions = new Map<string, DaemonSession>();
  return {
    add(session) {
      sessions.set(session.sessionId, session);
    },
    find(id) {
      const exact = sessions.get(id) ?? [...sessions.values()].find((s) => s.workrailSessionId === id);
      if (exact !== undefined) return { kind: 'found', session: exact };
      if (id.length < 8) return { kind: 'not_found' };
      const matches = [...sessions.values()].filter(
        (s) => s.sessionId.startsWith(id) || (s.workrailSessionId?.startsWith(id) ?? false),
      );
      if (matches.length === 1) return { kind: 'found', session: matches[0] as DaemonSession };
      return matches.length === 0
        ? { kind: 'not_found' }
        : { kind: 'ambiguous', matches: matches.map((s) => s.sessionId) };
    },
    list() {
      return [...sessions.values()];
    },
  };
}
