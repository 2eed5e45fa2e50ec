import { describe, expect, it } from 'vitest';
import {
  type CandidateFacts,
  matchRatio,
  type ResumeAnchors,
  rankCandidates,
  tokenize,
  tokensMatch,
  tokenWeight,
} from '../../../src/app/resume-ranking.js';

const anchors: ResumeAnchors = {
  workspacePath: '/repo',
  repoRootHash: 'hash-a',
  branch: 'fix/login',
  headSha: 'a'.repeat(40),
};

function facts(sessionId: string, extra: Partial<CandidateFacts> = {}): CandidateFacts {
  return {
    sessionId,
    runId: `run_${sessionId.slice(5)}`,
    workflowId: 'acme.generic',
    title: null,
    notes: null,
    workspacePath: '/elsewhere',
    repoRootHash: null,
    gitBranch: null,
    gitHeadSha: null,
    isComplete: false,
    lastActivityMs: 1000,
    ...extra,
  };
}

describe('resume ranking: text', () => {
  it('normalises with NFKC, lower-cases and splits into [a-z0-9_-]+ tokens', () => {
    expect(tokenize('Fix ＬＯＧＩＮ flaky-test, PR #42!')).toEqual(['fix', 'login', 'flaky-test', 'pr', '42']);
  });

  it('weights short tokens 0.2, low-signal words 0.35 and others by length up to 2.5', () => {
    expect(tokenWeight('pr')).toBe(0.2);
    expect(tokenWeight('review')).toBe(0.35);
    expect(tokenWeight('login')).toBeCloseTo(1.18);
    expect(tokenWeight('abcd')).toBe(1);
    expect(tokenWeight('a-very-long-identifier')).toBe(2.5);
  });

  it('matches tokens of three or more characters when one contains the other', () => {
    expect(tokensMatch('log', 'login')).toBe(true);
    expect(tokensMatch('logins', 'login')).toBe(true);
    expect(tokensMatch('lo', 'login')).toBe(false);
    expect(tokensMatch('pr', 'pr')).toBe(true);
  });

  it('computes the ratio as matched weight over total query weight', () => {
    const { ratio, all } = matchRatio(['login', 'review'], ['login']);
    expect(ratio).toBeCloseTo(1.18 / (1.18 + 0.35));
    expect(all).toBe(false);
    expect(matchRatio(['login'], ['login']).all).toBe(true);
  });
});

describe('resume ranking: tiers', () => {
  it('assigns each tier with its whyMatched reason and confidence', () => {
    const candidates = [
      facts('sess_exact'),
      facts('sess_notes', { title: 'Fix the flaky login test' }),
      facts('sess_partial', { notes: 'looked at the flaky login' }),
      facts('sess_workflow', { workflowId: 'acme.flaky-login' }),
      facts('sess_head', { gitHeadSha: 'a'.repeat(40) }),
      facts('sess_branch', { gitBranch: 'fix/login-v2' }),
      facts('sess_recent'),
    ];
    const { ranked, totalEligible } = rankCandidates(candidates, anchors, {
      query: 'flaky login test',
      sessionId: 'sess_exact',
    });
    expect(totalEligible).toBe(7);
    expect(ranked.map((r) => [r.facts.sessionId, r.tier, r.whyMatched[0], r.confidence])).toEqual([
      ['sess_exact', 0, 'matched_exact_id', 'strong'],
      ['sess_notes', 1, 'matched_notes', 'strong'],
      ['sess_partial', 2, 'matched_notes_partial', 'medium'],
      ['sess_workflow', 3, 'matched_workflow_id', 'medium'],
      ['sess_head', 4, 'matched_head_sha', 'medium'],
      ['sess_branch', 5, 'matched_branch', 'medium'],
      ['sess_recent', 6, 'recency_fallback', 'weak'],
    ]);
  });

  it('matches an exact run id and skips the text tiers without a query', () => {
    const { ranked } = rankCandidates([facts('sess_a', { title: 'login' }), facts('sess_b')], anchors, {
      runId: 'run_b',
    });
    expect(ranked.map((r) => [r.facts.sessionId, r.tier])).toEqual([
      ['sess_b', 0],
      ['sess_a', 6],
    ]);
  });

  it('lists the anchors that also hold after the tier reason', () => {
    const [only] = rankCandidates(
      [facts('sess_a', { title: 'login', repoRootHash: 'hash-a', gitHeadSha: 'a'.repeat(40), gitBranch: 'fix/login' })],
      anchors,
      { query: 'login' },
    ).ranked;
    expect(only?.whyMatched).toEqual(['matched_notes', 'matched_repo_root', 'matched_head_sha', 'matched_branch']);
  });

  it('orders within a tier: same repository, in progress, relevance, last activity, then session id', () => {
    const { ranked } = rankCandidates(
      [
        facts('sess_old', { lastActivityMs: 1 }),
        facts('sess_b'),
        facts('sess_a'),
        facts('sess_done', { isComplete: true, lastActivityMs: 9999 }),
        facts('sess_samerepo', { repoRootHash: 'hash-a', isComplete: true, lastActivityMs: 0 }),
      ],
      anchors,
      {},
    );
    expect(ranked.map((r) => r.facts.sessionId)).toEqual([
      'sess_samerepo',
      'sess_a',
      'sess_b',
      'sess_old',
      'sess_done',
    ]);
  });

  it('prefers higher relevance within the partial tier', () => {
    const { ranked } = rankCandidates(
      [facts('sess_weak', { notes: 'database' }), facts('sess_strong', { notes: 'database login' })],
      anchors,
      { query: 'flaky login database' },
    );
    expect(ranked.map((r) => [r.facts.sessionId, r.tier])).toEqual([
      ['sess_strong', 2],
      ['sess_weak', 2],
    ]);
  });

  it('keeps only the same repository (or workspace outside git) with sameWorkspaceOnly', () => {
    const candidates = [
      facts('sess_same', { repoRootHash: 'hash-a' }),
      facts('sess_other', { repoRootHash: 'hash-b' }),
      facts('sess_plain', { workspacePath: '/repo' }),
    ];
    const inRepo = rankCandidates(candidates, anchors, { sameWorkspaceOnly: true });
    expect(inRepo.ranked.map((r) => r.facts.sessionId)).toEqual(['sess_same', 'sess_plain']);
    expect(inRepo.totalEligible).toBe(2);
    const outside = rankCandidates(candidates, { ...anchors, repoRootHash: null }, { sameWorkspaceOnly: true });
    expect(outside.ranked.map((r) => r.facts.sessionId)).toEqual(['sess_plain']);
  });
});
