// Full-text search words, cut the same way for stored text and for queries: lower-case letters and digits, accents
// removed (like SQLite FTS5's unicode61 tokenizer with remove_diacritics). PostgreSQL's own parser would keep
// `fix/login` or `a-b` as single tokens, so text is split here and handed to the 'simple' configuration as plain words.

/** The words of `text`, space-separated, for `to_tsvector('simple', ...)`. */
export function searchDocument(...texts: readonly (string | null)[]): string {
  return texts.flatMap((text) => (text === null ? [] : wordsOf(text))).join(' ');
}

/** A `to_tsquery('simple', ...)` expression matching any word of `query` as a prefix; null when it has none. */
export function searchQuery(query: string): string | null {
  const words = [...new Set(wordsOf(query))];
  return words.length === 0 ? null : words.map((w) => `${w}:*`).join(' | ');
}

function wordsOf(text: string): string[] {
  return (
    text
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}
