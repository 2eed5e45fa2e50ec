// Views are stored SQL that SQLite checks when a table they read is renamed: migrations that rebuild a table drop
// every view first and create it again after, and migrations that rename a field a view reads rewrite its SQL.
import type Database from 'better-sqlite3';

export interface StoredView {
  readonly name: string;
  readonly sql: string;
}

export function storedViews(db: Database.Database): StoredView[] {
  return db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'view'`).all() as StoredView[];
}

/** Drops every view; returns them, to be created again once the table is rebuilt. */
export function dropViews(db: Database.Database): StoredView[] {
  const views = storedViews(db);
  for (const view of views) db.exec(`DROP VIEW "${view.name}"`);
  return views;
}
