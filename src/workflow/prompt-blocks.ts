// promptBlocks at compile time (docs: workflow-format.md §8.1, §9.3, §9.4): visiting their strings,
// appending feature items, and rendering them to one markdown prompt with refs resolved.

import type { FeatureItems } from './refs.js';
import type { PromptBlocks, PromptPart, PromptValue } from './types.js';

/** Called with each string in the blocks and its JSON pointer relative to `promptBlocks`; returns the replacement. */
export type BlockStringVisitor = (text: string, pointer: string) => string;

/** A copy of `blocks` with every text string (goal, list items, text parts, outputRequired values) passed through `visit`. */
export function mapBlockStrings(blocks: PromptBlocks, visit: BlockStringVisitor): PromptBlocks {
  const mapValue = (value: PromptValue, pointer: string): PromptValue =>
    typeof value === 'string'
      ? visit(value, pointer)
      : value.map(
          (part, i): PromptPart =>
            part.kind === 'text' ? { ...part, text: visit(part.text, `${pointer}/${i}/text`) } : part,
        );
  const mapList = (values: readonly PromptValue[] | undefined, pointer: string) =>
    values?.map((value, i) => mapValue(value, `${pointer}/${i}`));

  const out: { -readonly [K in keyof PromptBlocks]: PromptBlocks[K] } = {};
  if (blocks.goal !== undefined) out.goal = mapValue(blocks.goal, '/goal');
  if (blocks.constraints !== undefined) out.constraints = mapList(blocks.constraints, '/constraints');
  if (blocks.procedure !== undefined) out.procedure = mapList(blocks.procedure, '/procedure');
  if (blocks.verify !== undefined) out.verify = mapList(blocks.verify, '/verify');
  if (blocks.outputRequired !== undefined) {
    out.outputRequired = Object.fromEntries(
      Object.entries(blocks.outputRequired).map(([key, value]) => [
        key,
        visit(value, `/outputRequired/${escapePointerToken(key)}`),
      ]),
    );
  }
  return out;
}

/** Appends the features' items after the step's own constraints, procedure and verify items. */
export function appendFeatureItems(blocks: PromptBlocks, items: FeatureItems): PromptBlocks {
  return {
    ...blocks,
    constraints: [...(blocks.constraints ?? []), ...items.constraints],
    procedure: [...(blocks.procedure ?? []), ...items.procedure],
    verify: [...(blocks.verify ?? []), ...items.verify],
  };
}

/** Returns the text of a ref part; `pointer` is the part's location relative to `promptBlocks`. */
export type RefResolver = (refId: string, pointer: string) => string;

/**
 * Renders blocks as markdown sections in the fixed order Goal, Constraints, Procedure, Output Required,
 * Verify, separated by one blank line; empty sections are omitted.
 */
export function renderPromptBlocks(blocks: PromptBlocks, resolveRef: RefResolver): string {
  const text = (value: PromptValue, pointer: string): string =>
    typeof value === 'string'
      ? value
      : value.map((part, i) => (part.kind === 'text' ? part.text : resolveRef(part.refId, `${pointer}/${i}`))).join('');
  const items = (values: readonly PromptValue[] | undefined, pointer: string, marker: (i: number) => string) =>
    (values ?? []).map((value, i) => `${marker(i)}${text(value, `${pointer}/${i}`)}`);

  const sections: string[] = [];
  const add = (heading: string, lines: readonly string[]) => {
    if (lines.length > 0) sections.push([`## ${heading}`, ...lines].join('\n'));
  };
  const goal = blocks.goal === undefined ? '' : text(blocks.goal, '/goal');
  add('Goal', goal === '' ? [] : [goal]);
  add(
    'Constraints',
    items(blocks.constraints, '/constraints', () => '- '),
  );
  add(
    'Procedure',
    items(blocks.procedure, '/procedure', (i) => `${i + 1}. `),
  );
  add(
    'Output Required',
    Object.entries(blocks.outputRequired ?? {}).map(([key, value]) => `- **${key}**: ${value}`),
  );
  add(
    'Verify',
    items(blocks.verify, '/verify', () => '- '),
  );
  return sections.join('\n\n');
}

/** RFC 6901 escaping of one pointer token. */
export function escapePointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}
