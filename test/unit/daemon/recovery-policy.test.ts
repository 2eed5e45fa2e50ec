import { describe, expect, it } from 'vitest';
import { RECOVERY_LIMITS, type RecoverySnapshot, recoveryAction } from '../../../src/daemon/recovery.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const HOUR = 60 * 60 * 1000;

function snapshot(overrides: Partial<RecoverySnapshot> = {}): RecoverySnapshot {
  return {
    state: 'running',
    stepAdvances: 1,
    resumeCount: 0,
    lastActivityAt: NOW - HOUR,
    usesWorktree: true,
    worktreePresent: true,
    hasContinueToken: true,
    ...overrides,
  };
}

describe('crash recovery policy (docs/worktrain.md §7.5)', () => {
  it('keeps a queued session queued', () => {
    expect(recoveryAction(snapshot({ state: 'queued', stepAdvances: 0 }), NOW)).toEqual({ kind: 'requeue' });
  });

  it.each(['preparing', 'running', 'interrupted'] as const)(
    'resumes a %s session with an advance, a worktree and recent activity',
    (state) => {
      expect(recoveryAction(snapshot({ state }), NOW)).toEqual({ kind: 'resume' });
    },
  );

  it('resumes a branchStrategy none session without any worktree', () => {
    expect(recoveryAction(snapshot({ usesWorktree: false, worktreePresent: false }), NOW)).toEqual({ kind: 'resume' });
  });

  it('discards a session that never advanced a step', () => {
    const action = recoveryAction(snapshot({ stepAdvances: 0 }), NOW);
    expect(action).toMatchObject({ kind: 'discard' });
    expect(action.kind === 'discard' && action.reason).toContain('no step was advanced');
  });

  it('discards a worktree session whose worktree is gone', () => {
    expect(recoveryAction(snapshot({ worktreePresent: false }), NOW)).toMatchObject({
      kind: 'discard',
      reason: 'crash_recovery: the worktree is gone',
    });
  });

  it('resumes just under 24 h of inactivity and discards at 24 h', () => {
    const limit = RECOVERY_LIMITS.maxIdleMs;
    expect(recoveryAction(snapshot({ lastActivityAt: NOW - limit + 1 }), NOW)).toEqual({ kind: 'resume' });
    expect(recoveryAction(snapshot({ lastActivityAt: NOW - limit }), NOW)).toMatchObject({ kind: 'discard' });
  });

  it('resumes at most twice per session', () => {
    expect(recoveryAction(snapshot({ resumeCount: 1 }), NOW)).toEqual({ kind: 'resume' });
    expect(recoveryAction(snapshot({ resumeCount: 2 }), NOW)).toMatchObject({
      kind: 'discard',
      reason: 'crash_recovery: already resumed 2 times',
    });
  });

  it('discards a session without a stored continue token', () => {
    expect(recoveryAction(snapshot({ hasContinueToken: false }), NOW)).toMatchObject({ kind: 'discard' });
  });

  it('continues delivery of a delivering session from where it stopped', () => {
    expect(recoveryAction(snapshot({ state: 'delivering' }), NOW)).toEqual({ kind: 'continue_delivery' });
  });

  it.each(['parked', 'delivery_failed', 'completed'] as const)('leaves a %s session alone', (state) => {
    expect(recoveryAction(snapshot({ state, lastActivityAt: NOW - 100 * HOUR }), NOW)).toEqual({ kind: 'leave' });
  });
});
