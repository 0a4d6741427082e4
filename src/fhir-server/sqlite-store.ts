import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { ResourceValidator } from '../validate/types.ts';
import { AsyncLock } from './async-lock.ts';
import { extractIndexRows, type IndexRows } from './index-extract.ts';
import { INDEX_TABLES, prepareReader, prepareSchema, type SyncMode } from './schema.ts';
import type { ParamDef, SearchParamRegistry } from './search-params.ts';
import { StatementCache } from './statement-cache.ts';

/** The current row of a resource. */
export interface ResourceRow {
  pk: number;
  vid: number;
  updated: number;
  deleted: number;
  hash: string;
  body: string;
}

/** Prepared statements of one connection. */
interface ReadStatements {
  current: StatementSync;
}

/**
 * The SQLite state shared by every view of the repository: one write connection (all writes, serialised by
 * {@link SqliteStore.lock}, each in one SQLite transaction) and one read connection, which under WAL sees only
 * committed data, so a search never observes half of a transaction that is still running.
 */
export class SqliteStore {
  readonly writer: DatabaseSync;
  readonly reader: DatabaseSync;
  readonly registry: SearchParamRegistry;
  readonly validator: ResourceValidator | undefined;
  /** Serialises write transactions: node:sqlite is synchronous but our transactions span awaits. */
  readonly lock = new AsyncLock();
  private readonly paramIds = new Map<string, number>();
  private readonly indexed = new Map<string, { def: ParamDef; id: number }[]>();
  private readonly readStmts: ReadStatements;
  private readonly writeStmts: ReadStatements;
  private readonly insertResource: StatementSync;
  private readonly updateResource: StatementSync;
  private readonly insertHistory: StatementSync;
  private readonly deleteIndex: StatementSync[];
  private readonly insertIndex: Record<keyof IndexRows, StatementSync>;
  private readonly selectParam: StatementSync;
  private readonly insertParam: StatementSync;
  private readonly readCache: StatementCache;
  private readonly writeCache: StatementCache;
  private closed = false;

  /**
   * Opens (and creates when missing) the database file.
   * @param file - Path of the SQLite file.
   * @param registry - Indexed search parameters.
   * @param validator - Validates every resource before it is written; omitted only in tests and benchmarks.
   * @param sync - Durability of commits.
   */
  constructor(file: string, registry: SearchParamRegistry, validator: ResourceValidator | undefined, sync: SyncMode) {
    this.registry = registry;
    this.validator = validator;
    this.writer = new DatabaseSync(file);
    prepareSchema(this.writer, sync);
    this.reader = new DatabaseSync(file);
    prepareReader(this.reader);
    this.readCache = new StatementCache(this.reader);
    this.writeCache = new StatementCache(this.writer);
    const current = 'SELECT pk, vid, updated, deleted, hash, body FROM resource WHERE rtype = ? AND id = ?';
    this.readStmts = { current: this.reader.prepare(current) };
    this.writeStmts = { current: this.writer.prepare(current) };
    const w = this.writer;
    this.insertResource = w.prepare(
      'INSERT INTO resource (rtype, id, vid, updated, deleted, hash, body) VALUES (?, ?, ?, ?, 0, ?, ?)',
    );
    this.updateResource = w.prepare(
      'UPDATE resource SET vid = ?, updated = ?, deleted = ?, hash = ?, body = ? WHERE pk = ?',
    );
    this.insertHistory = w.prepare('INSERT INTO history (pk, vid, updated, deleted, body) VALUES (?, ?, ?, ?, ?)');
    this.deleteIndex = INDEX_TABLES.map((t) => w.prepare(`DELETE FROM ${t} WHERE pk = ?`));
    this.insertIndex = {
      tokens: w.prepare('INSERT OR IGNORE INTO ix_token (pk, param, code, system) VALUES (?, ?, ?, ?)'),
      texts: w.prepare('INSERT OR IGNORE INTO ix_text (pk, param, norm) VALUES (?, ?, ?)'),
      refs: w.prepare('INSERT OR IGNORE INTO ix_ref (pk, param, ttype, tid) VALUES (?, ?, ?, ?)'),
      dates: w.prepare('INSERT OR IGNORE INTO ix_date (pk, param, lo, hi) VALUES (?, ?, ?, ?)'),
      strings: w.prepare('INSERT OR IGNORE INTO ix_string (pk, param, norm, raw) VALUES (?, ?, ?, ?)'),
      quantities: w.prepare(
        'INSERT OR IGNORE INTO ix_quantity (pk, param, value, system, code, unit) VALUES (?, ?, ?, ?, ?, ?)',
      ),
    };
    this.selectParam = w.prepare('SELECT id FROM param WHERE rtype = ? AND code = ?');
    this.insertParam = w.prepare('INSERT INTO param (rtype, code) VALUES (?, ?)');
    // Parameter ids are created outside any resource transaction, so a rollback can never orphan a cached id.
    for (const row of w.prepare('SELECT id, rtype, code FROM param').all() as {
      id: number;
      rtype: string;
      code: string;
    }[]) {
      this.paramIds.set(`${row.rtype}\0${row.code}`, row.id);
    }
  }

  /** @returns The current row, read through the writer inside a transaction and through the reader otherwise. */
  current(resourceType: string, id: string, inTx: boolean): ResourceRow | undefined {
    const stmts = inTx ? this.writeStmts : this.readStmts;
    return stmts.current.get(resourceType, id) as ResourceRow | undefined;
  }

  /**
   * @param sql - A statement's text.
   * @param inTx - Whether it runs inside the write transaction (on the writer) or on the reader.
   * @returns The statement, prepared once per connection and text.
   */
  statement(sql: string, inTx: boolean): StatementSync {
    return (inTx ? this.writeCache : this.readCache).get(sql);
  }

  /** @returns The id of a parameter, or undefined when it was never created. */
  paramId(resourceType: string, code: string): number | undefined {
    return this.paramIds.get(`${resourceType}\0${code}`);
  }

  /**
   * The indexed parameters of a type with their ids, creating missing `param` rows. Called at the start of a
   * write transaction, before anything else is written, so the rows belong to that transaction only when it is
   * the first ever write of the type; the cache is dropped on rollback ({@link SqliteStore.forgetParams}).
   */
  private indexedParams(resourceType: string): { def: ParamDef; id: number }[] {
    let list = this.indexed.get(resourceType);
    if (list) return list;
    list = [];
    for (const def of this.registry.forType(resourceType).values()) {
      const key = `${resourceType}\0${def.code}`;
      let id = this.paramIds.get(key);
      if (id === undefined) {
        const row = this.selectParam.get(resourceType, def.code) as { id: number } | undefined;
        id = row ? row.id : Number(this.insertParam.run(resourceType, def.code).lastInsertRowid);
        this.paramIds.set(key, id);
      }
      list.push({ def, id });
    }
    this.indexed.set(resourceType, list);
    return list;
  }

  /** Drops cached parameter ids after a rollback, which may have undone their creation. */
  forgetParams(): void {
    this.paramIds.clear();
    this.indexed.clear();
    for (const row of this.writer.prepare('SELECT id, rtype, code FROM param').all() as {
      id: number;
      rtype: string;
      code: string;
    }[]) {
      this.paramIds.set(`${row.rtype}\0${row.code}`, row.id);
    }
  }

  /**
   * Writes a new current version (the caller holds the write transaction).
   * @param previous - The row it replaces, moved to history; undefined for a first version.
   * @returns The resource's pk.
   */
  writeVersion(
    resourceType: string,
    id: string,
    vid: number,
    updated: number,
    hash: string,
    body: string,
    resource: object,
    previous: ResourceRow | undefined,
  ): number {
    const params = this.indexedParams(resourceType);
    let pk: number;
    if (previous) {
      pk = previous.pk;
      this.insertHistory.run(
        pk,
        previous.vid,
        previous.updated,
        previous.deleted,
        previous.deleted ? '' : previous.body,
      );
      this.updateResource.run(vid, updated, 0, hash, body, pk);
      for (const s of this.deleteIndex) s.run(pk);
    } else {
      pk = Number(this.insertResource.run(resourceType, id, vid, updated, hash, body).lastInsertRowid);
    }
    const rows = extractIndexRows(resource as never, params);
    for (const r of rows.tokens) this.insertIndex.tokens.run(pk, r.param, r.code, r.system);
    for (const r of rows.texts) this.insertIndex.texts.run(pk, r.param, r.norm);
    for (const r of rows.refs) this.insertIndex.refs.run(pk, r.param, r.type, r.id);
    for (const r of rows.dates) this.insertIndex.dates.run(pk, r.param, r.lo, r.hi);
    for (const r of rows.strings) this.insertIndex.strings.run(pk, r.param, r.norm, r.raw);
    for (const r of rows.quantities) {
      this.insertIndex.quantities.run(pk, r.param, r.value, r.system, r.code, r.unit);
    }
    return pk;
  }

  /** Marks a resource deleted: its last version goes to history and its index rows go away. */
  writeDelete(previous: ResourceRow, updated: number): void {
    this.insertHistory.run(previous.pk, previous.vid, previous.updated, 0, previous.body);
    this.updateResource.run(previous.vid + 1, updated, 1, '', previous.body, previous.pk);
    for (const s of this.deleteIndex) s.run(previous.pk);
  }

  /** Closes both connections; later calls do nothing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.reader.close();
    this.writer.close();
  }
}
