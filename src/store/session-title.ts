// How a session's title is chosen (docs/mcp-protocol.md §8), the same for every store: the first of these context
// keys that holds text, else the first line of the session's earliest notes.
import type { JsonObject } from '../workflow/types.js';

const TITLE_KEYS = ['goal', 'taskDescription', 'mrTitle', 'prTitle', 'ticketTitle', 'problem'] as const;

/** The title a context names, or null when none of the §8 keys holds text. */
export function titleFromContext(context: JsonObject): string | null {
  for (const key of TITLE_KEYS) {
    const value = context[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  return null;
}

/** The first non-empty line of notes, without heading marks, at most 200 characters. */
export function firstLine(markdown: string): string | null {
  const line = markdown
    .split('\n')
    .map((l) => l.replace(/^#+\s*/, '').trim())
    .find((l) => l !== '');
  return line === undefined ? null : line.slice(0, 200);
}
