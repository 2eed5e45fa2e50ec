// A leaner full-text index (issue 4: <= 1 KB of database growth per step): `detail=none` keeps which rows hold a term,
// not its columns or positions, and `columnsize=0` drops the per-row token counts. resume_session asks only "which
// rows hold any of these words (as prefixes)" and ranks with bm25, which both still answer. The contentless index
// cannot be copied, so its rows are written again from their sources (as migration 6 does).
import { kindCode } from '../event-codec.js';

export const version = 7;

export const sql = `
DROP TABLE session_fts;
CREATE VIRTUAL TABLE session_fts USING fts5 (
  title, goal, notes,
  content = '', contentless_delete = 1, detail = none,
  tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO session_fts (rowid, title, goal, notes)
  SELECT fts_title_rowid, title, goal, NULL FROM sessions WHERE fts_title_rowid IS NOT NULL;
INSERT INTO session_fts (rowid, title, goal, notes)
  SELECT id, NULL, NULL, json_extract(data, '$.notesMarkdown') FROM events
  WHERE kind = ${kindCode('output_appended')} AND json_extract(data, '$.channel') = 'notes' ORDER BY id;
`;
