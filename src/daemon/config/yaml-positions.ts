// Maps a path inside a parsed YAML document to the line and column of its node, so every finding can point at
// the text the user wrote.
import { type Document, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

export type PathSegment = string | number;

export interface Position {
  readonly line: number;
  readonly column: number;
}

/**
 * The position of the node at `path`, or of the deepest ancestor that exists. With `atKey`, a map entry's key is
 * used (where an unknown key was written) instead of its value.
 */
export function positionOf(
  doc: Document,
  lines: LineCounter,
  path: readonly PathSegment[],
  options: { atKey?: boolean } = {},
): Position {
  let node: unknown = doc.contents;
  let best: unknown = node;
  for (const [index, segment] of path.entries()) {
    const last = index === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === segment);
      if (pair === undefined) break;
      node = last && options.atKey === true ? pair.key : (pair.value ?? pair.key);
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      if (node === undefined) break;
    } else {
      break;
    }
    best = node;
  }
  const range = (best as Node | null)?.range;
  const pos = lines.linePos(range?.[0] ?? 0);
  return { line: pos.line, column: pos.col };
}
