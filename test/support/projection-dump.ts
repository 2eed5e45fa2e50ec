// A row-for-row dump of the current-state tables and of full-text matches, for tests that rebuild the projections
// from the events and compare. The table list is written out here, not imported from the store, so a table the
// rebuild forgets is still compared.
import Database from 'better-sqlite3';

const PROJECTIONS = ['sessions', 'runs', 'nodes', 'contexts', 'session_metrics'];

/** Every projection row (as sorted JSON lines) and the rows `session_fts` matches for each probe word. */
export function dumpProjections(dbPath: string, ftsProbes: readonly string[]) {
  const db = new Database(dbPath, { readonly: true });
  try {
    return {
      tables: Object.fromEntries(
        PROJECTIONS.map((table) => [
          table,
          (db.prepare(`SELECT * FROM ${table}`).all() as object[]).map((row) => JSON.stringify(row)).sort(),
        ]),
      ),
      fts: Object.fromEntries(
        ftsProbes.map((word) => [
          word,
          db.prepare('SELECT rowid FROM session_fts WHERE session_fts MATCH ? ORDER BY rowid').pluck().all(word),
        ]),
      ),
    };
  } finally {
    db.close();
  }
}
