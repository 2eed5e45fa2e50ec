// A row-for-row dump of the current-state tables and of full-text matches, for tests that rebuild the projections
// from the events and compare. The table list is written out here, not imported from the store, so a table the
// rebuild forgets is still compared.
import Database from 'better-sqlite3';

const PROJECTIONS = ['sessions', 'runs', 'nodes', 'contexts', 'session_metrics'];

/**
 * Every projection row (as sorted JSON lines) and the rows the full-text index matches for each probe word: those of
 * `session_fts` and, from schema 19, of `session_notes_fts`.
 */
export function dumpProjections(dbPath: string, ftsProbes: readonly string[]) {
  const db = new Database(dbPath, { readonly: true });
  try {
    const notesTable = db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'session_notes_fts'`).get() !== undefined;
    // From schema 20 a node row keeps a hash of its id; the id is its node_created event's (`$.Y`).
    const nodeIdInRow =
      db.prepare(`SELECT 1 FROM pragma_table_info('nodes') WHERE name = 'node_id'`).get() !== undefined;
    const rowsOf = (table: string) =>
      table === 'nodes' && !nodeIdInRow
        ? `SELECT n.*, (SELECT e.data ->> '$.Y' FROM events e WHERE e.id = n.id) AS node_id FROM nodes n`
        : `SELECT * FROM ${table}`;
    const matches = db.prepare(
      notesTable
        ? `SELECT rowid FROM session_fts WHERE session_fts MATCH @word
           UNION ALL SELECT rowid FROM session_notes_fts WHERE session_notes_fts MATCH @word ORDER BY rowid`
        : 'SELECT rowid FROM session_fts WHERE session_fts MATCH @word ORDER BY rowid',
    );
    return {
      tables: Object.fromEntries(
        PROJECTIONS.map((table) => [
          table,
          (db.prepare(rowsOf(table)).all() as object[]).map((row) => JSON.stringify(row)).sort(),
        ]),
      ),
      fts: Object.fromEntries(ftsProbes.map((word) => [word, matches.pluck().all({ word })])),
    };
  } finally {
    db.close();
  }
}
