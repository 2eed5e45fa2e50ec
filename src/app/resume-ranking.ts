// resume_session ranking (docs: mcp-protocol.md §8 steps 4–7): pure functions over facts the use case gathered.
// Text is NFKC-normalised, lower-cased and split into [a-z0-9_-]+ tokens; tiers 0–6 decide first, then the order
// within a tier.

export interface CandidateFacts {
  readonly sessionId: string;
  readonly runId: string;
  readonly workflowId: string;
  readonly title: string | null;
  /** All notes of the session, joined; null when not loaded (no query). */
  readonly notes: string | null;
  readonly workspacePath: string;
  readonly repoRootHash: string | null;
  readonly gitBranch: string | null;
  readonly gitHeadSha: string | null;
  readonly isComplete: boolean;
  readonly lastActivityMs: number;
}

/** Where the caller is now: from `workspacePath`, with explicit `gitBranch`/`gitHeadSha` overriding detection. */
export interface ResumeAnchors {
  readonly workspacePath: string;
  readonly repoRootHash: string | null;
  /** Null when detached or unknown. */
  readonly branch: string | null;
  readonly headSha: string | null;
}

export interface ResumeCriteria {
  readonly query?: string;
  readonly sessionId?: string;
  readonly runId?: string;
  readonly sameWorkspaceOnly?: boolean;
}

export type Tier = 0 | 1 | 2 | 3 | 4 | 5 | 6;
export type WhyMatched =
  | 'matched_exact_id'
  | 'matched_notes'
  | 'matched_notes_partial'
  | 'matched_workflow_id'
  | 'matched_head_sha'
  | 'matched_branch'
  | 'recency_fallback'
  | 'matched_repo_root';
export type Confidence = 'strong' | 'medium' | 'weak';

export interface RankedCandidate<F extends CandidateFacts = CandidateFacts> {
  readonly facts: F;
  readonly tier: Tier;
  readonly confidence: Confidence;
  readonly whyMatched: readonly WhyMatched[];
  readonly matchExplanation: string;
  readonly relevance: number;
  readonly sameRepository: boolean;
}

export const LOW_SIGNAL_WORDS: ReadonlySet<string> = new Set([
  'task',
  'dev',
  'work',
  'workflow',
  'coding',
  'feature',
  'phase',
  'implement',
  'implementation',
  'review',
  'fix',
  'bug',
]);

const PARTIAL_RATIO = 0.4;

const TIERS: readonly { readonly reason: WhyMatched; readonly confidence: Confidence; readonly explanation: string }[] =
  [
    { reason: 'matched_exact_id', confidence: 'strong', explanation: 'The session or run id matches exactly.' },
    {
      reason: 'matched_notes',
      confidence: 'strong',
      explanation: 'All query words appear in the session title or notes.',
    },
    {
      reason: 'matched_notes_partial',
      confidence: 'medium',
      explanation: 'Some of the query words appear in the session title or notes.',
    },
    { reason: 'matched_workflow_id', confidence: 'medium', explanation: 'The query matches the workflow id.' },
    {
      reason: 'matched_head_sha',
      confidence: 'medium',
      explanation: 'The session started at the current HEAD commit.',
    },
    { reason: 'matched_branch', confidence: 'medium', explanation: 'The session was on the current git branch.' },
    { reason: 'recency_fallback', confidence: 'weak', explanation: 'A recent session; nothing else matched.' },
  ];

/** NFKC, lower case, `[a-z0-9_-]+` tokens. */
export function tokenize(text: string): string[] {
  return (
    text
      .normalize('NFKC')
      .toLowerCase()
      .match(/[a-z0-9_-]+/g) ?? []
  );
}

/** ≤2 characters 0.2; low-signal words 0.35; otherwise min(2.5, 1 + 0.18·(length − 4)). */
export function tokenWeight(token: string): number {
  if (token.length <= 2) return 0.2;
  if (LOW_SIGNAL_WORDS.has(token)) return 0.35;
  return Math.min(2.5, 1 + 0.18 * (token.length - 4));
}

/** Equal, or (both ≥ 3 characters) one contains the other. */
export function tokensMatch(queryToken: string, docToken: string): boolean {
  if (queryToken === docToken) return true;
  if (queryToken.length < 3 || docToken.length < 3) return false;
  return docToken.includes(queryToken) || queryToken.includes(docToken);
}

/** Matched weight ÷ total query weight (0 for an empty query), and whether every query token matched. */
export function matchRatio(
  queryTokens: readonly string[],
  docTokens: readonly string[],
): { ratio: number; all: boolean } {
  if (queryTokens.length === 0) return { ratio: 0, all: false };
  const set = new Set(docTokens);
  const doc = [...set];
  let total = 0;
  let matched = 0;
  let all = true;
  for (const token of queryTokens) {
    const weight = tokenWeight(token);
    total += weight;
    if (set.has(token) || doc.some((d) => tokensMatch(token, d))) matched += weight;
    else all = false;
  }
  return { ratio: matched / total, all };
}

/**
 * Ranks `candidates` (already healthy and with a run) by tier, then same repository, in-progress before complete,
 * relevance, last activity and session id. `totalEligible` counts them after the `sameWorkspaceOnly` filter.
 */
export function rankCandidates<F extends CandidateFacts>(
  candidates: readonly F[],
  anchors: ResumeAnchors,
  criteria: ResumeCriteria,
): { ranked: RankedCandidate<F>[]; totalEligible: number } {
  const queryTokens = [...new Set(tokenize(criteria.query ?? ''))];
  const eligible =
    criteria.sameWorkspaceOnly === true ? candidates.filter((c) => sameWorkspace(c, anchors)) : candidates;
  const ranked = eligible.map((facts) => rankOne(facts, anchors, criteria, queryTokens));
  ranked.sort(compareRanked);
  return { ranked, totalEligible: eligible.length };
}

function rankOne<F extends CandidateFacts>(
  facts: F,
  anchors: ResumeAnchors,
  criteria: ResumeCriteria,
  queryTokens: readonly string[],
): RankedCandidate<F> {
  const notes = matchRatio(queryTokens, tokenize(`${facts.title ?? ''}\n${facts.notes ?? ''}`));
  const workflow = matchRatio(queryTokens, tokenize(facts.workflowId));
  const branchTokens = facts.gitBranch === null ? [] : tokenize(facts.gitBranch);
  const branchRatio = matchRatio(queryTokens, branchTokens).ratio;
  const sameRepo = anchors.repoRootHash !== null && facts.repoRootHash === anchors.repoRootHash;
  const headMatch = anchors.headSha !== null && facts.gitHeadSha === anchors.headSha;
  const branchMatch =
    anchors.branch !== null &&
    facts.gitBranch !== null &&
    (facts.gitBranch.startsWith(anchors.branch) || anchors.branch.startsWith(facts.gitBranch));
  const exact =
    (criteria.sessionId !== undefined && criteria.sessionId === facts.sessionId) ||
    (criteria.runId !== undefined && criteria.runId === facts.runId);

  const tier: Tier = exact
    ? 0
    : notes.all
      ? 1
      : notes.ratio >= PARTIAL_RATIO
        ? 2
        : workflow.all || workflow.ratio >= PARTIAL_RATIO
          ? 3
          : headMatch
            ? 4
            : branchMatch
              ? 5
              : 6;
  const { reason, confidence, explanation } = TIERS[tier]!;
  const why: WhyMatched[] = [reason];
  if (sameRepo) why.push('matched_repo_root');
  if (headMatch && reason !== 'matched_head_sha') why.push('matched_head_sha');
  if (branchMatch && reason !== 'matched_branch') why.push('matched_branch');
  const relevance = Math.max(notes.ratio, 0.75 * workflow.ratio, 0.5 * branchRatio) + (sameRepo ? 0.2 : 0);
  return {
    facts,
    tier,
    confidence,
    whyMatched: why,
    matchExplanation: explanation,
    relevance,
    sameRepository: sameRepo || (anchors.repoRootHash === null && facts.workspacePath === anchors.workspacePath),
  };
}

function sameWorkspace(facts: CandidateFacts, anchors: ResumeAnchors): boolean {
  if (anchors.repoRootHash !== null && facts.repoRootHash !== null) return facts.repoRootHash === anchors.repoRootHash;
  return facts.workspacePath === anchors.workspacePath;
}

function compareRanked(a: RankedCandidate, b: RankedCandidate): number {
  return (
    a.tier - b.tier ||
    Number(b.sameRepository) - Number(a.sameRepository) ||
    Number(a.facts.isComplete) - Number(b.facts.isComplete) ||
    b.relevance - a.relevance ||
    b.facts.lastActivityMs - a.facts.lastActivityMs ||
    (a.facts.sessionId < b.facts.sessionId ? -1 : a.facts.sessionId > b.facts.sessionId ? 1 : 0)
  );
}
