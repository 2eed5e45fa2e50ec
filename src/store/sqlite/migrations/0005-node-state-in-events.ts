// A node's engine state lives only in its `node_created` event (issue 4: <= 1 KB of database growth per step); the
// node row points at that event by `created_seq`, and the integrity check (§9) reads the state there.
export const version = 5;

export const sql = `
ALTER TABLE nodes DROP COLUMN state;
`;
