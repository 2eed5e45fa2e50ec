// Server-owned canonical text for `{kind: "ref"}` prompt parts (docs: workflow-format.md §9.4) and the
// prompt items each compile-time feature adds (§9.3). Changing any wording changes the hash of every
// workflow that uses it.

import type { PromptValue } from './types.js';

export const REF_TEXT: ReadonlyMap<string, string> = new Map([
  [
    'wr.refs.memory_usage',
    'If a memory tool is available, consult it for what is already known about this workspace before you ' +
      'start, and record durable findings in it when you finish. Memory is optional: if the tool is missing ' +
      'or fails, carry on without it and never block on it.',
  ],
  [
    'wr.refs.memory_store',
    'If a memory tool is available, store the findings of this phase in it: decisions with their reasons, ' +
      'facts that were hard to discover, and pitfalls to avoid. Store conclusions, not transcripts.',
  ],
  [
    'wr.refs.memory_query',
    'If a memory tool is available, query it for prior context on this task (earlier decisions, known ' +
      'pitfalls, related work) and treat what it returns as leads to verify, not as facts.',
  ],
  [
    'wr.refs.notes_first_durability',
    'Your step notes and the context you send are the durable record of this run. Put every decision, ' +
      'finding and open question there; files you write on the side may be lost and do not count as recorded.',
  ],
  [
    'wr.refs.synthesis_under_disagreement',
    'When parallel results disagree, do not average them or pick the majority. Name each disagreement, ' +
      'check the evidence behind each side, decide which is better supported, and record the conflict ' +
      'you could not settle together with what would settle it.',
  ],
  [
    'wr.refs.parallelize_cognition_serialize_synthesis',
    'Parallelise independent thinking (exploring options, gathering evidence, reviewing from different ' +
      'angles), but merge the results and make decisions one at a time, in a single place, yourself.',
  ],
  [
    'wr.refs.adversarial_challenge_rules',
    'Challenge the leading conclusion honestly: state the strongest case against it, look for evidence ' +
      'that would disprove it, and change your mind if that evidence holds. Do not invent objections for ' +
      'show, and do not drop a real one because it is inconvenient.',
  ],
]);

/** Items a feature appends to the constraints, procedure and verify blocks of every promptBlocks step. */
export interface FeatureItems {
  readonly constraints: readonly PromptValue[];
  readonly procedure: readonly PromptValue[];
  readonly verify: readonly PromptValue[];
}

const ref = (refId: string): PromptValue => [{ kind: 'ref', refId }];

export const FEATURE_ITEMS: ReadonlyMap<string, FeatureItems> = new Map<string, FeatureItems>([
  [
    'wr.features.memory_context',
    {
      constraints: [ref('wr.refs.memory_usage')],
      procedure: ['If a memory tool is available, query it for prior knowledge relevant to this step first.'],
      verify: ['Findings worth keeping are stored in memory, or you noted that no memory tool was available.'],
    },
  ],
  [
    'wr.features.capabilities',
    {
      constraints: [
        'Do not assume optional capabilities such as sub-agent delegation or web access exist; probe them first.',
      ],
      procedure: [
        'Before relying on an optional capability, try it once, record the evidence in your notes, and if it ' +
          'is unavailable say so and continue on an explicit fallback.',
      ],
      verify: ['Every capability you relied on has recorded evidence, and the final judgment is your own.'],
    },
  ],
  [
    'wr.features.subagent_guidance',
    {
      constraints: [
        'Delegate only to generic executor sub-agents, each with its own non-overlapping focus.',
        ref('wr.refs.parallelize_cognition_serialize_synthesis'),
      ],
      procedure: [
        'Give each sub-agent a self-contained brief with its focus and expected deliverable, then synthesise ' +
          'their results yourself.',
      ],
      verify: ['You, not a sub-agent, made the decisions and wrote the synthesis.'],
    },
  ],
]);
