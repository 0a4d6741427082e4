import type { DatabaseSync } from 'node:sqlite';
import { isAdapterError } from '../errors/adapter-error.ts';
import type { Logger } from '../observe/logger.ts';
import { writeFailed } from './message-rules.ts';

/** Options of {@link GroupCommitter}. */
export interface GroupCommitOptions {
  /**
   * How long the first queued write waits for company before its transaction starts. 0 (default) commits on
   * the next macrotask (`setImmediate`), which already gathers every write issued in the same event-loop turn.
   */
  maxDelayMs?: number;
  /** Most messages in one transaction (default 256); more queued writes go into the following transactions. */
  maxBatch?: number;
  /**
   * Called after each successful COMMIT with the number of messages it carried (appended messages, plus one per
   * mark or purge step) and its duration in seconds, BEGIN to COMMIT (the fsync included). For metrics.
   */
  onCommit?: (batchSize: number, seconds: number) => void;
  /** Where commit failures are reported (codes and counts only). */
  logger?: Logger;
}

/** Default of {@link GroupCommitOptions.maxBatch}. */
export const DEFAULT_MAX_BATCH = 256;

interface Job {
  /** Messages this write carries, for `maxBatch` and `onCommit`. */
  weight: number;
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Runs writes queued from many callers in shared `BEGIN IMMEDIATE … COMMIT` transactions, so one fsync serves a
 * whole batch. Each write runs inside its own SAVEPOINT: a write whose statements fail (a bad value) is rolled
 * back and rejected alone, while the rest of the batch commits. When BEGIN or COMMIT fails, or SQLite abandons
 * the transaction, every write of the batch is rejected with `store.write-failed` and nothing of it is kept.
 *
 * Writes run in the order they were queued, so ids follow call order and a mark never overtakes the append it
 * refers to. The connection's API is synchronous, so while a batch runs, new writes simply wait in the queue
 * for the next one; no transaction is ever open between event-loop turns, so reads on the same connection see
 * only committed data.
 */
export class GroupCommitter {
  readonly #db: DatabaseSync;
  readonly #maxDelayMs: number;
  readonly #maxBatch: number;
  readonly #onCommit: GroupCommitOptions['onCommit'];
  readonly #logger: Logger | undefined;
  #queue: Job[] = [];
  #queuedWeight = 0;
  #timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  #timerIsDelay = false;
  #closed = false;

  /**
   * @param db - The connection to write on; the committer owns its transactions.
   * @param options - Batching and reporting.
   */
  constructor(db: DatabaseSync, options: GroupCommitOptions = {}) {
    this.#db = db;
    this.#maxDelayMs = Math.max(0, options.maxDelayMs ?? 0);
    this.#maxBatch = Math.max(1, options.maxBatch ?? DEFAULT_MAX_BATCH);
    this.#onCommit = options.onCommit;
    this.#logger = options.logger;
  }

  /**
   * Queues a write for the next group commit.
   * @param weight - Messages it carries.
   * @param run - The statements; runs inside the transaction, may throw to reject this write alone.
   * @returns What `run` returned, once the transaction holding it has committed.
   */
  enqueue<T>(weight: number, run: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(writeFailed('Message store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ weight, run, resolve: resolve as (v: unknown) => void, reject });
      this.#queuedWeight += weight;
      this.#schedule();
    });
  }

  /** Commits everything queued now, synchronously, and refuses later writes. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#cancelTimer();
    while (this.#queue.length > 0) this.#commitBatch();
  }

  #schedule(): void {
    const full = this.#queuedWeight >= this.#maxBatch;
    if (this.#timer !== undefined && !(full && this.#timerIsDelay)) return;
    this.#cancelTimer();
    const run = (): void => {
      this.#timer = undefined;
      this.#commitBatch();
      // The rest goes in a later turn, so the callers just resolved get their continuations (and ACKs) out first.
      if (this.#queue.length > 0) {
        this.#timerIsDelay = false;
        this.#timer = setImmediate(run);
      }
    };
    this.#timerIsDelay = this.#maxDelayMs > 0 && !full;
    this.#timer = this.#timerIsDelay ? setTimeout(run, this.#maxDelayMs) : setImmediate(run);
  }

  #cancelTimer(): void {
    if (this.#timer === undefined) return;
    if (this.#timerIsDelay) clearTimeout(this.#timer as NodeJS.Timeout);
    else clearImmediate(this.#timer as NodeJS.Immediate);
    this.#timer = undefined;
  }

  #takeBatch(): Job[] {
    let n = 0;
    let weight = 0;
    while (n < this.#queue.length && (n === 0 || weight + (this.#queue[n]?.weight ?? 0) <= this.#maxBatch)) {
      weight += this.#queue[n]?.weight ?? 0;
      n++;
    }
    const batch = this.#queue.splice(0, n);
    this.#queuedWeight -= weight;
    return batch;
  }

  #commitBatch(): void {
    const batch = this.#takeBatch();
    if (batch.length === 0) return;
    const db = this.#db;
    const t0 = performance.now();
    const outcomes: Outcome[] = [];
    try {
      db.exec('BEGIN IMMEDIATE');
      for (const job of batch) {
        outcomes.push(this.#runJob(job));
        // A failed statement can make SQLite roll back the whole transaction (disk full, I/O error); then
        // nothing done so far will be committed and every write of the batch has to be rejected.
        if (!db.isTransaction) throw new Error('transaction rolled back by SQLite');
      }
      db.exec('COMMIT');
    } catch (err) {
      this.#rollbackQuietly();
      this.#logger?.error({ batch: batch.length, code: errorCode(err) }, 'message store commit failed');
      const error = writeFailed('Message store write failed; nothing of this batch was stored', err);
      for (const job of batch) job.reject(error);
      return;
    }
    const seconds = (performance.now() - t0) / 1000;
    let committed = 0;
    batch.forEach((job, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) {
        committed += job.weight;
        job.resolve(outcome.value);
      } else {
        job.reject(outcome?.error);
      }
    });
    this.#onCommit?.(committed, seconds);
  }

  #runJob(job: Job): Outcome {
    const db = this.#db;
    db.exec('SAVEPOINT job');
    try {
      const value = job.run();
      db.exec('RELEASE job');
      return { ok: true, value };
    } catch (err) {
      if (db.isTransaction) {
        db.exec('ROLLBACK TO job');
        db.exec('RELEASE job');
      }
      const error = isAdapterError(err) ? err : writeFailed('Message store write failed', err);
      return { ok: false, error };
    }
  }

  #rollbackQuietly(): void {
    try {
      if (this.#db.isOpen && this.#db.isTransaction) this.#db.exec('ROLLBACK');
    } catch {
      // The connection is already unusable; the batch is rejected either way.
    }
  }
}

/** @returns SQLite's error code name or number, never the message text (it may quote values). */
function errorCode(err: unknown): string | number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { errcode?: number; errstr?: string; code?: string };
  return e.errstr ?? e.errcode ?? e.code;
}
