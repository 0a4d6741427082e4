import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { isAdapterError } from '../errors/adapter-error.ts';
import type { Logger } from '../observe/logger.ts';
import { ClaimLeases } from './claim-leases.ts';
import { GroupCommitter, type GroupCommitOptions } from './group-commit.ts';
import {
  checkNewMessages,
  checkReconversion,
  DEFAULT_LIST_LIMIT,
  emptyCounts,
  instantMs,
  unknownMessage,
  writeFailed,
} from './message-rules.ts';
import type {
  DueMessage,
  ListQuery,
  MessageState,
  MessageStore,
  NewMessage,
  Reconversion,
  StoredMessage,
} from './message-store.ts';
import { applyPragmas, migrate } from './sqlite-schema.ts';
import { CLAIM_DUE_SQL, json, MESSAGE_COLUMNS, type MessageRow, toStored, UNFINISHED_SQL } from './sqlite-rows.ts';

/** Options of {@link openSqliteMessageStore}. */
export interface SqliteMessageStoreOptions {
  /** Database file; its directory is created. `:memory:` works for tests but is not durable. */
  file: string;
  /** Reports commit failures (codes only, never message content). */
  logger?: Logger;
  /** Group commit tuning and the per-commit metrics hook. */
  groupCommit?: Omit<GroupCommitOptions, 'logger'>;
  /**
   * How long a write waits for another process's lock (a CLI replaying messages) before failing, in ms
   * (default 5000). The wait blocks the event loop, as every node:sqlite call does; it only happens while
   * another process writes.
   */
  busyTimeoutMs?: number;
}

/** Chunk size of purges, so a large purge never holds the write lock (and the event loop) for long. */
const PURGE_CHUNK = 2000;

/**
 * Opens (creating if needed) the SQLite message store: WAL journal, `synchronous = FULL`, schema migrated.
 * @param options - File, logger and group-commit tuning.
 * @returns The open store.
 * @throws AdapterError (`store.write-failed`) when the file cannot be opened or was written by a newer version.
 */
export function openSqliteMessageStore(options: SqliteMessageStoreOptions): SqliteMessageStore {
  const { file } = options;
  let db: DatabaseSync | undefined;
  try {
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    db = new DatabaseSync(file, { timeout: options.busyTimeoutMs ?? 5000 });
    applyPragmas(db, file);
    migrate(db);
  } catch (err) {
    if (db?.isOpen) db.close();
    if (isAdapterError(err)) throw err;
    throw writeFailed('Cannot open the message store', err);
  }
  return new SqliteMessageStore(db, { ...options.groupCommit, logger: options.logger });
}

/**
 * {@link MessageStore} on one SQLite connection. Writes go through a {@link GroupCommitter}; reads run directly
 * and see only committed data.
 *
 * Claiming reads the `head` flag instead of asking "is there an older unfinished message of this key?" per row:
 * with thousands of messages queued behind a head in backoff, that question would be asked for every one of
 * them on every claim. The flag is maintained wherever a message enters or leaves the unfinished states or
 * changes key, and the claim is an ordered scan of the partial index `message_claim` (heads only).
 */
export class SqliteMessageStore implements MessageStore {
  readonly #db: DatabaseSync;
  readonly #writer: GroupCommitter;
  readonly #leases = new ClaimLeases();
  readonly #statements = new Map<string, StatementSync>();
  #closing: Promise<void> | undefined;

  /**
   * Use {@link openSqliteMessageStore}, which prepares the connection.
   * @param db - A connection with pragmas applied and the schema migrated; the store owns and closes it.
   * @param options - Group commit tuning.
   */
  constructor(db: DatabaseSync, options: GroupCommitOptions = {}) {
    this.#db = db;
    this.#writer = new GroupCommitter(db, options);
  }

  /** @inheritdoc */
  append(messages: readonly NewMessage[]): Promise<number[]> {
    try {
      checkNewMessages(messages);
    } catch (err) {
      return Promise.reject(err);
    }
    const now = new Date().toISOString();
    return this.#writer.enqueue(messages.length, () => messages.map((m) => this.#insert(m, now)));
  }

  #insert(m: NewMessage, now: string): number {
    const orderKey = m.orderKey ?? null;
    const { lastInsertRowid } = this.#sql(
      `INSERT INTO message (transport, sender, control_id, message_type, received_at, state, order_key, head,
         last_error, updated_at)
       VALUES ($transport, $sender, $controlId, $messageType, $receivedAt, $state, $orderKey,
         CASE WHEN $state NOT IN ('received', 'converted') THEN 0
              WHEN $orderKey IS NULL THEN 1
              ELSE NOT EXISTS (SELECT 1 FROM message WHERE order_key = $orderKey AND ${UNFINISHED_SQL}) END,
         $lastError, $now)`,
    ).run({
      transport: m.transport,
      sender: m.sender,
      controlId: m.controlId,
      messageType: m.messageType,
      receivedAt: m.receivedAt,
      state: m.state,
      orderKey,
      lastError: json(m.error),
      now,
    });
    const id = Number(lastInsertRowid);
    // A Bundle is kept only for a converted message: that is the one state that delivers it.
    const bundle = m.state === 'converted' ? (m.bundle ?? null) : null;
    this.#sql('INSERT INTO message_body (id, raw, bundle) VALUES (?, ?, ?)').run(id, m.raw, bundle);
    return id;
  }

  /** @inheritdoc */
  get(id: number): StoredMessage | undefined {
    const row = this.#sql(`SELECT ${MESSAGE_COLUMNS} FROM message WHERE id = ?`).get(id);
    return row ? toStored(row as unknown as MessageRow) : undefined;
  }

  /** @inheritdoc */
  raw(id: number): Uint8Array | undefined {
    const row = this.#sql('SELECT raw FROM message_body WHERE id = ?').get(id) as { raw: Uint8Array } | undefined;
    return row?.raw;
  }

  /** @inheritdoc */
  bundle(id: number): string | undefined {
    const row = this.#sql('SELECT bundle FROM message_body WHERE id = ?').get(id) as
      { bundle: string | null } | undefined;
    return row?.bundle ?? undefined;
  }

  /** @inheritdoc */
  list(query: ListQuery = {}): StoredMessage[] {
    const where: string[] = [];
    const params: Record<string, SQLInputValue> = { limit: query.limit ?? DEFAULT_LIST_LIMIT };
    if (query.states?.length === 1) {
      // Equality lets the (state, id) index deliver rows newest first without sorting the whole state.
      where.push('state = $state');
      params.state = query.states[0] ?? null;
    } else if (query.states) {
      where.push('state IN (SELECT value FROM json_each($states))');
      params.states = JSON.stringify(query.states);
    }
    if (query.beforeId !== undefined) {
      where.push('id < $beforeId');
      params.beforeId = query.beforeId;
    }
    const sql = `SELECT ${MESSAGE_COLUMNS} FROM message ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY id DESC LIMIT $limit`;
    return this.#sql(sql)
      .all(params)
      .map((row) => toStored(row as unknown as MessageRow));
  }

  /**
   * @inheritdoc
   * A message handed out is leased to the caller: this store does not hand it out again until a mark or
   * `setConversion` for it has committed, so a message without order key is never delivered twice at once.
   */
  claimDue(options: { now: number; limit: number; exclude: ReadonlySet<string> }): DueMessage[] {
    const rows = this.#sql(CLAIM_DUE_SQL).all({
      now: options.now,
      limit: options.limit,
      exclude: JSON.stringify([...options.exclude]),
      leased: JSON.stringify(this.#leases.ids()),
    }) as unknown as DueMessage[];
    const due = rows.map((r) => ({ id: r.id, orderKey: r.orderKey, attempts: r.attempts, bundle: r.bundle }));
    this.#leases.add(due.map((d) => d.id));
    return due;
  }

  /** @inheritdoc */
  markDelivered(id: number, at: string): Promise<void> {
    return this.#finish(id, () => ({
      sql: `state = 'delivered', delivered_ms = $deliveredMs, next_attempt_ms = NULL`,
      params: { deliveredMs: instantMs(at, 'deliveredAt') },
    }));
  }

  /** @inheritdoc */
  markRetry(id: number, error: OperationOutcome, nextAttemptAt: string): Promise<void> {
    return this.#finish(id, () => ({
      sql: `attempts = attempts + 1, last_error = $lastError, next_attempt_ms = $nextMs`,
      params: { lastError: json(error), nextMs: instantMs(nextAttemptAt, 'nextAttemptAt') },
    }));
  }

  /** @inheritdoc */
  markDead(id: number, error: OperationOutcome): Promise<void> {
    return this.#finish(id, () => ({
      sql: `state = 'dead', attempts = attempts + 1, last_error = $lastError, next_attempt_ms = NULL`,
      params: { lastError: json(error) },
    }));
  }

  /** @inheritdoc */
  setConversion(id: number, result: Reconversion): Promise<void> {
    try {
      checkReconversion(result);
    } catch (err) {
      return Promise.reject(err);
    }
    const orderKey = result.orderKey ?? null;
    return this.#finish(
      id,
      () => ({
        sql: `state = $state, order_key = $orderKey, attempts = 0, next_attempt_ms = NULL, delivered_ms = NULL,
          last_error = $lastError`,
        params: {
          state: result.state,
          orderKey,
          lastError: result.state === 'failed' ? json(result.error) : null,
        },
      }),
      () => {
        this.#sql('UPDATE message_body SET bundle = ? WHERE id = ?').run(
          result.state === 'converted' ? (result.bundle ?? null) : null,
          id,
        );
        return orderKey;
      },
    );
  }

  /**
   * Applies one state change to a message and keeps the head flags of the affected keys right.
   * @param id - The message.
   * @param change - SET clause (without `updated_at` and `head`) and its parameters; evaluated inside the write.
   * @param more - Further statements; returns the key the message has afterwards when it may have changed.
   */
  #finish(
    id: number,
    change: () => { sql: string; params: Record<string, SQLInputValue> },
    more?: () => string | null,
  ): Promise<void> {
    let set: { sql: string; params: Record<string, SQLInputValue> };
    try {
      set = change();
    } catch (err) {
      this.#leases.release(id);
      return Promise.reject(err);
    }
    return this.#writer.enqueue(1, () => {
      // Whatever happens to this write, the message can be claimed again: if the write is lost it is still
      // converted, and delivering it again is harmless (idempotent), while a stuck lease would strand it.
      this.#leases.release(id);
      const before = this.#sql('SELECT order_key, head FROM message WHERE id = ?').get(id) as
        { order_key: string | null; head: number } | undefined;
      if (!before) throw unknownMessage(id);
      this.#sql(`UPDATE message SET ${set.sql}, updated_at = $now, head = 0 WHERE id = $id`).run({
        ...set.params,
        now: new Date().toISOString(),
        id,
      });
      const keyAfter = more ? more() : before.order_key;
      // Only the keys the message left or entered can have a new head.
      if (before.head === 1 || more) this.#refreshHead(before.order_key, id);
      if (keyAfter !== before.order_key) this.#refreshHead(keyAfter, id);
    });
  }

  /** Sets `head` on the oldest unfinished message of `key` (or on `id` itself when it has no key). */
  #refreshHead(key: string | null, id: number): void {
    if (key === null) {
      this.#sql(`UPDATE message SET head = 1 WHERE id = ? AND order_key IS NULL AND ${UNFINISHED_SQL}`).run(id);
      return;
    }
    this.#sql('UPDATE message SET head = 0 WHERE order_key = ? AND head = 1').run(key);
    this.#sql(
      `UPDATE message SET head = 1 WHERE id =
         (SELECT id FROM message WHERE order_key = $key AND ${UNFINISHED_SQL} ORDER BY id LIMIT 1)`,
    ).run({ key });
  }

  /** @inheritdoc */
  countByState(): Record<MessageState, number> {
    const counts = emptyCounts();
    for (const row of this.#sql('SELECT state, count(*) AS n FROM message GROUP BY state').all()) {
      counts[row.state as MessageState] = Number(row.n);
    }
    return counts;
  }

  /** @inheritdoc */
  async purgeDelivered(before: string): Promise<number> {
    const beforeMs = instantMs(before, 'before');
    let total = 0;
    for (;;) {
      // Bodies go with their rows (ON DELETE CASCADE).
      const deleted = await this.#writer.enqueue(1, () =>
        Number(
          this.#sql(
            `DELETE FROM message WHERE id IN (SELECT id FROM message INDEXED BY message_delivered
               WHERE state = 'delivered' AND delivered_ms < $beforeMs LIMIT $chunk)`,
          ).run({ beforeMs, chunk: PURGE_CHUNK }).changes,
        ),
      );
      total += deleted;
      if (deleted < PURGE_CHUNK) return total;
    }
  }

  /** @inheritdoc */
  ping(): boolean {
    if (this.#closing || !this.#db.isOpen) return false;
    try {
      return this.#sql('SELECT 1 AS ok').get()?.ok === 1;
    } catch {
      return false;
    }
  }

  /** @inheritdoc */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      // Let writes queued in this turn join the final commit instead of being refused.
      setImmediate(() => {
        this.#writer.close();
        this.#statements.clear();
        if (this.#db.isOpen) this.#db.close();
        resolve();
      });
    });
    return this.#closing;
  }

  /** @returns A cached prepared statement. */
  #sql(sql: string): StatementSync {
    let stmt = this.#statements.get(sql);
    if (!stmt) {
      stmt = this.#db.prepare(sql);
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }
}
