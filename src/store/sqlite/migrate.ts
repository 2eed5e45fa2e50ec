// Versioned schema migrations, run on open. The applied version is SQLite's `user_version`; each migration runs in
// its own BEGIN IMMEDIATE transaction that re-reads the version, so processes opening a fresh file together apply
// each migration exactly once.
import type Database from 'better-sqlite3';
import * as initial from './migrations/0001-initial.js';

interface Migration {
  readonly version: number;
  readonly sql: string;
}

/** In version order. Append new migrations here; never edit an applied one. */
export const MIGRATIONS: readonly Migration[] = [initial];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Brings the database up to SCHEMA_VERSION. Throws if the file is newer than this code. */
export function migrate(db: Database.Database): void {
  const current = userVersion(db);
  if (current > SCHEMA_VERSION) {
    throw new Error(`database schema version ${current} is newer than this WorkRail (${SCHEMA_VERSION}); upgrade`);
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      if (userVersion(db) >= migration.version) return;
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}

export function userVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}
