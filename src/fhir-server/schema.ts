import type { DatabaseSync } from 'node:sqlite';

/** Bumped when the tables change; a database of another version is refused rather than misread. */
export const SCHEMA_VERSION = 1;

/**
 * The tables. `resource` holds the current version of each resource (its JSON and a content hash, so an identical
 * resend does not make a new version); `history` holds the versions it replaced. The `ix_*` tables are the search
 * index, keyed by the resource's integer `pk` and written in the same SQLite transaction as the resource. They are
 * WITHOUT ROWID tables clustered by `pk`, so replacing a resource's rows is a range delete, plus one lookup index
 * each for search.
 */
const DDL = `
CREATE TABLE IF NOT EXISTS resource (
  pk INTEGER PRIMARY KEY,
  rtype TEXT NOT NULL,
  id TEXT NOT NULL,
  vid INTEGER NOT NULL,
  updated INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  hash TEXT NOT NULL,
  body TEXT NOT NULL,
  UNIQUE (rtype, id)
);
CREATE INDEX IF NOT EXISTS resource_updated ON resource (rtype, updated);
CREATE TABLE IF NOT EXISTS history (
  pk INTEGER NOT NULL,
  vid INTEGER NOT NULL,
  updated INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (pk, vid)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS param (
  id INTEGER PRIMARY KEY,
  rtype TEXT NOT NULL,
  code TEXT NOT NULL,
  UNIQUE (rtype, code)
);
CREATE TABLE IF NOT EXISTS ix_token (
  pk INTEGER NOT NULL, param INTEGER NOT NULL, code TEXT NOT NULL, system TEXT NOT NULL,
  PRIMARY KEY (pk, param, code, system)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ix_token_lookup ON ix_token (param, code, system);
CREATE TABLE IF NOT EXISTS ix_text (
  pk INTEGER NOT NULL, param INTEGER NOT NULL, norm TEXT NOT NULL,
  PRIMARY KEY (pk, param, norm)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ix_text_lookup ON ix_text (param, norm);
CREATE TABLE IF NOT EXISTS ix_ref (
  pk INTEGER NOT NULL, param INTEGER NOT NULL, ttype TEXT NOT NULL, tid TEXT NOT NULL,
  PRIMARY KEY (pk, param, ttype, tid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ix_ref_lookup ON ix_ref (param, tid, ttype);
CREATE INDEX IF NOT EXISTS ix_ref_target ON ix_ref (tid, ttype);
CREATE TABLE IF NOT EXISTS ix_date (
  pk INTEGER NOT NULL, param INTEGER NOT NULL, lo INTEGER NOT NULL, hi INTEGER NOT NULL,
  PRIMARY KEY (pk, param, lo, hi)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ix_date_lookup ON ix_date (param, lo, hi);
CREATE TABLE IF NOT EXISTS ix_string (
  pk INTEGER NOT NULL, param INTEGER NOT NULL, norm TEXT NOT NULL, raw TEXT NOT NULL,
  PRIMARY KEY (pk, param, norm, raw)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ix_string_lookup ON ix_string (param, norm);
CREATE TABLE IF NOT EXISTS ix_quantity (
  pk INTEGER NOT NULL, param INTEGER NOT NULL, value REAL NOT NULL, system TEXT NOT NULL, code TEXT NOT NULL,
  unit TEXT NOT NULL,
  PRIMARY KEY (pk, param, value, system, code, unit)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ix_quantity_lookup ON ix_quantity (param, value);
`;

/** The index tables, in the order their rows are deleted when a resource changes. */
export const INDEX_TABLES = ['ix_token', 'ix_text', 'ix_ref', 'ix_date', 'ix_string', 'ix_quantity'] as const;

/** How much durability a commit buys. */
export type SyncMode = 'full' | 'normal';

/**
 * Sets the connection up and creates the tables when missing. WAL lets the read connection see the last committed
 * state while a transaction writes; `synchronous=FULL` makes every commit durable before it is reported (a
 * delivered bundle must survive a power cut), `NORMAL` survives a killed process but not a power cut.
 * @param db - An open connection.
 * @param sync - Durability of commits.
 * @throws Error when the file holds another schema version.
 */
export function prepareSchema(db: DatabaseSync, sync: SyncMode): void {
  db.exec('PRAGMA journal_mode = WAL');
  db.exec(`PRAGMA synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`);
  db.exec('PRAGMA busy_timeout = 5000');
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number };
  if (row.user_version !== 0 && row.user_version !== SCHEMA_VERSION) {
    throw new Error(`FHIR database has schema version ${row.user_version}, expected ${SCHEMA_VERSION}`);
  }
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec(DDL);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}

/** Read-side pragmas for the second connection. */
export function prepareReader(db: DatabaseSync): void {
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec('PRAGMA query_only = ON');
}
