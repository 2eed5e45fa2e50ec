// The dedupe-hash index ordered by session first, `(id >> 32, dedupe_hash)` (issue 4). Indexed by the hash alone
// (migration 6), the entries of one call's events landed on as many random pages of a large index, and each dirty page
// is another WAL frame to write and fsync; grouped by session they share a page or two. Advances and checkpoints are
// looked up through their node's session.
export const version = 10;

export const sql = `
DROP INDEX events_by_dedupe;
CREATE INDEX events_by_dedupe ON events (id >> 32, dedupe_hash);
`;
