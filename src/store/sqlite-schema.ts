import type { DatabaseSync } from 'node:sqlite';
import { ErrorCode } from '../errors/error-codes.ts';
import { adapterError, IssueType } from '../errors/outcomes.ts';

/**
 * The store's schema, one entry per version: `MIGRATIONS[n]` takes a database from `user_version` n to n + 1.
 * Entries are append-only once released; a later version adds an entry instead of editing an old one, so every
 * existing file can be brought forward in order.
 *
 * Version 1:
 * - `message`: one row per message, without the large columns, so listing, counting and claiming read small rows.
 *   Instants that are compared (`next_attempt_ms`, `delivered_ms`) are integer milliseconds; ISO strings sent with
 *   different offsets would not compare correctly as text.
 * - `head`: 1 when the row is the oldest unfinished (`received` or `converted`) message of its order key, or is
 *   unfinished with no key. Kept up to date on every state change, so claiming never has to scan the messages
 *   queued behind a blocked head (see {@link SqliteMessageStore}).
 * - `message_body`: raw bytes and Bundle JSON, read only by id.
 * - AUTOINCREMENT so an id is never reused after the newest rows are purged: ids appear in logs and ACK audit.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE message (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    transport TEXT NOT NULL,
    sender TEXT NOT NULL,
    control_id TEXT,
    message_type TEXT,
    received_at TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('received', 'converted', 'delivered', 'failed', 'dead')),
    order_key TEXT,
    head INTEGER NOT NULL DEFAULT 0 CHECK (head IN (0, 1)),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    next_attempt_ms INTEGER,
    delivered_ms INTEGER,
    updated_at TEXT NOT NULL
  ) STRICT;
  CREATE TABLE message_body (
    id INTEGER PRIMARY KEY REFERENCES message (id) ON DELETE CASCADE,
    raw BLOB NOT NULL,
    bundle TEXT
  ) STRICT;
  -- claimDue: the claimable heads in id order, with the due time in the index so backoff is skipped without
  -- reading the table.
  CREATE INDEX message_claim ON message (id, next_attempt_ms, order_key) WHERE head = 1 AND state = 'converted';
  -- Finding the oldest unfinished message of a key when the head moves on.
  CREATE INDEX message_pending_key ON message (order_key, id) WHERE state IN ('received', 'converted');
  -- Finding the current head of a key cheaply (at most one row per key carries head = 1).
  CREATE INDEX message_key_head ON message (order_key) WHERE head = 1;
  -- list by state and countByState.
  CREATE INDEX message_state ON message (state, id);
  -- purgeDelivered.
  CREATE INDEX message_delivered ON message (delivered_ms) WHERE state = 'delivered';
  `,
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the database to {@link SCHEMA_VERSION}, each step in its own transaction, and refuses a file written by
 * a newer version (running old code against it could corrupt what it does not know).
 * @param db - An open connection.
 * @returns The version found before migrating.
 */
export function migrate(db: DatabaseSync): number {
  const found = userVersion(db);
  if (found > SCHEMA_VERSION) {
    throw adapterError(
      ErrorCode.StoreWriteFailed,
      IssueType.NotSupported,
      `Message store schema version ${found} is newer than this studybridge supports (${SCHEMA_VERSION})`,
    );
  }
  for (let v = found; v < SCHEMA_VERSION; v++) {
    db.exec('BEGIN IMMEDIATE');
    try {
      // Re-read inside the write lock: another process may have migrated in the meantime.
      if (userVersion(db) === v) {
        db.exec(MIGRATIONS[v] ?? '');
        db.exec(`PRAGMA user_version = ${v + 1}`);
      }
      db.exec('COMMIT');
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw err;
    }
  }
  return found;
}

/** @returns The database's `user_version`, which holds the schema version. */
export function userVersion(db: DatabaseSync): number {
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number } | undefined;
  return row?.user_version ?? 0;
}

/**
 * Connection settings, applied on every open (pragmas other than journal_mode are per connection).
 * @param db - The connection.
 * @param file - The database path; `:memory:` cannot use WAL.
 */
export function applyPragmas(db: DatabaseSync, file: string): void {
  if (file !== ':memory:') db.exec('PRAGMA journal_mode = WAL');
  // In WAL mode, NORMAL syncs the WAL only at checkpoints: a committed transaction survives a process crash but
  // may be lost on power failure or an OS crash (the database stays consistent, the last commits just vanish).
  // FULL fsyncs the WAL at every COMMIT, so a resolved append is on stable storage before we ACK. Group commit
  // pays that fsync once per batch instead of once per message.
  db.exec('PRAGMA synchronous = FULL');
  db.exec('PRAGMA foreign_keys = ON');
  // After a checkpoint the WAL file is truncated to this size instead of staying at its high-water mark.
  db.exec('PRAGMA journal_size_limit = 67108864');
  // wal_autocheckpoint stays at SQLite's default (1000 pages): checkpoints run inside COMMIT as the WAL grows,
  // so no VACUUM or scheduled maintenance is needed; freed pages from purges are reused.
}
