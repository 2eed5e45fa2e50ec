// Versioned schema migrations, run on open. The applied version is SQLite's `user_version`; each migration runs in
// its own BEGIN IMMEDIATE transaction that re-reads the version, so processes opening a fresh file together apply
// each migration exactly once.

import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import * as initial from './migrations/0001-initial.js';
import * as slimmerRows from './migrations/0002-slimmer-rows.js';
import * as derivedEventColumns from './migrations/0003-derived-event-columns.js';
import * as slimmerNodesAndTokens from './migrations/0004-slimmer-nodes-and-tokens.js';
import * as nodeStateInEvents from './migrations/0005-node-state-in-events.js';
import * as eventKeys from './migrations/0006-event-keys.js';
import * as leanSearchIndex from './migrations/0007-lean-search-index.js';
import * as packedEventData from './migrations/0008-packed-event-data.js';
import * as tokenRecords from './migrations/0009-token-records.js';
import * as sessionLocalDedupeIndex from './migrations/0010-session-local-dedupe-index.js';
import * as nodeReferences from './migrations/0011-node-references.js';
import * as shortAttemptIds from './migrations/0012-short-attempt-ids.js';
import * as nodeKeys from './migrations/0013-node-keys.js';
import * as packedEnumValues from './migrations/0014-packed-enum-values.js';
import * as shortDedupeHash from './migrations/0015-short-dedupe-hash.js';
import * as tokenTimes from './migrations/0016-token-times.js';
import * as tokenPairs from './migrations/0017-token-pairs.js';
import * as fewerEventRows from './migrations/0018-fewer-event-rows.js';
import * as smallPacking from './migrations/0019-small-packing.js';
import * as nodeHashes from './migrations/0020-node-hashes.js';
import * as leanEventRows from './migrations/0021-lean-event-rows.js';
import { registerNodeHash } from './node-hashes.js';

/** A schema step: plain SQL, or a function when rows must be rewritten in code. */
type Migration =
  | { readonly version: number; readonly sql: string }
  | { readonly version: number; readonly apply: (db: Database.Database) => void };

/** In version order. Append new migrations here; never edit an applied one. */
export const MIGRATIONS: readonly Migration[] = [
  initial,
  slimmerRows,
  derivedEventColumns,
  slimmerNodesAndTokens,
  nodeStateInEvents,
  eventKeys,
  leanSearchIndex,
  packedEventData,
  tokenRecords,
  sessionLocalDedupeIndex,
  nodeReferences,
  shortAttemptIds,
  nodeKeys,
  packedEnumValues,
  shortDedupeHash,
  tokenTimes,
  tokenPairs,
  fewerEventRows,
  smallPacking,
  nodeHashes,
  leanEventRows,
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Brings the database up to SCHEMA_VERSION. Throws if the file is newer than this code. */
export function migrate(db: Database.Database): void {
  db.function('workrail_dedupe_hash', { deterministic: true }, (key) => dedupeHash48(String(key)));
  registerNodeHash(db);
  const current = userVersion(db);
  if (current > SCHEMA_VERSION) {
    throw new Error(`database schema version ${current} is newer than this WorkRail (${SCHEMA_VERSION}); upgrade`);
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      if (userVersion(db) >= migration.version) return;
      if ('sql' in migration) db.exec(migration.sql);
      else migration.apply(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}

export function userVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * The first 24 bits of the SHA-256 of an event's dedupe key, as a signed integer (3 bytes in a row): what
 * `events_by_dedupe` indexes next to the session (migrations 10 and 15).
 */
export function dedupeHash(dedupeKey: string): number {
  return createHash('sha256').update(dedupeKey).digest().readIntBE(0, 3);
}

/** The 48-bit hash schemas 2 to 14 stored (migration 2 computes it; migration 15 keeps its first 24 bits). */
export function dedupeHash48(dedupeKey: string): number {
  return createHash('sha256').update(dedupeKey).digest().readUIntBE(0, 6);
}
