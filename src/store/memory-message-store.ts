import type { OperationOutcome } from '@medplum/fhirtypes';
import { ClaimLeases } from './claim-leases.ts';
import {
  checkNewMessages,
  checkReconversion,
  DEFAULT_LIST_LIMIT,
  emptyCounts,
  instantMs,
  UNFINISHED_STATES,
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

interface Entry {
  meta: StoredMessage;
  raw: Uint8Array;
  bundle: string | null;
  /** Comparable forms of the instants in `meta`. */
  nextAttemptMs: number | null;
  deliveredMs: number | null;
}

/**
 * In-memory {@link MessageStore} with the semantics of the SQLite store (same claiming rule, leases, instant
 * normalisation and errors), for unit tests of the delivery worker and the service. Nothing survives the process.
 * Writes apply at once; their promises resolve on the next microtask.
 */
export class MemoryMessageStore implements MessageStore {
  /** In id order, because ids only grow and Map keeps insertion order. */
  readonly #entries = new Map<number, Entry>();
  readonly #leases = new ClaimLeases();
  #nextId = 1;
  #closed = false;

  /** @inheritdoc */
  append(messages: readonly NewMessage[]): Promise<number[]> {
    return this.#write(() => {
      checkNewMessages(messages);
      const now = new Date().toISOString();
      return messages.map((m) => {
        const id = this.#nextId++;
        this.#entries.set(id, {
          meta: {
            id,
            transport: m.transport,
            sender: m.sender,
            controlId: m.controlId,
            messageType: m.messageType,
            receivedAt: m.receivedAt,
            state: m.state,
            orderKey: m.orderKey ?? null,
            attempts: 0,
            lastError: m.error ?? null,
            nextAttemptAt: null,
            deliveredAt: null,
            updatedAt: now,
          },
          // Copies: a caller may reuse its buffer after the append resolves.
          raw: m.raw.slice(),
          bundle: m.state === 'converted' ? (m.bundle ?? null) : null,
          nextAttemptMs: null,
          deliveredMs: null,
        });
        return id;
      });
    });
  }

  /** @inheritdoc */
  get(id: number): StoredMessage | undefined {
    const e = this.#entries.get(id);
    return e ? structuredClone(e.meta) : undefined;
  }

  /** @inheritdoc */
  raw(id: number): Uint8Array | undefined {
    return this.#entries.get(id)?.raw.slice();
  }

  /** @inheritdoc */
  bundle(id: number): string | undefined {
    return this.#entries.get(id)?.bundle ?? undefined;
  }

  /** @inheritdoc */
  list(query: ListQuery = {}): StoredMessage[] {
    const limit = query.limit ?? DEFAULT_LIST_LIMIT;
    const out: StoredMessage[] = [];
    for (const e of [...this.#entries.values()].reverse()) {
      if (out.length >= limit) break;
      if (query.beforeId !== undefined && e.meta.id >= query.beforeId) continue;
      if (query.states && !query.states.includes(e.meta.state)) continue;
      out.push(structuredClone(e.meta));
    }
    return out;
  }

  /**
   * @inheritdoc
   * Same rule as the SQLite store: the oldest unfinished (`received` or `converted`) message of each key is its
   * head; only converted, due, unleased heads are handed out, and they stay leased until a mark commits.
   */
  claimDue(options: { now: number; limit: number; exclude: ReadonlySet<string> }): DueMessage[] {
    const seenKeys = new Set<string>();
    const due: DueMessage[] = [];
    for (const e of this.#entries.values()) {
      if (due.length >= options.limit) break;
      const { id, state, orderKey, attempts } = e.meta;
      if (!UNFINISHED_STATES.includes(state)) continue;
      if (orderKey !== null) {
        if (seenKeys.has(orderKey)) continue;
        seenKeys.add(orderKey);
        if (options.exclude.has(orderKey)) continue;
      }
      if (state !== 'converted' || this.#leases.has(id)) continue;
      if (e.nextAttemptMs !== null && e.nextAttemptMs > options.now) continue;
      due.push({ id, orderKey, attempts, bundle: e.bundle ?? '' });
    }
    this.#leases.add(due.map((d) => d.id));
    return due;
  }

  /** @inheritdoc */
  markDelivered(id: number, at: string): Promise<void> {
    return this.#change(id, (e) => {
      e.deliveredMs = instantMs(at, 'deliveredAt');
      e.meta.state = 'delivered';
      e.meta.deliveredAt = new Date(e.deliveredMs).toISOString();
      e.nextAttemptMs = null;
    });
  }

  /** @inheritdoc */
  markRetry(id: number, error: OperationOutcome, nextAttemptAt: string): Promise<void> {
    return this.#change(id, (e) => {
      e.nextAttemptMs = instantMs(nextAttemptAt, 'nextAttemptAt');
      e.meta.attempts += 1;
      e.meta.lastError = structuredClone(error);
    });
  }

  /** @inheritdoc */
  markDead(id: number, error: OperationOutcome): Promise<void> {
    return this.#change(id, (e) => {
      e.meta.state = 'dead';
      e.meta.attempts += 1;
      e.meta.lastError = structuredClone(error);
      e.nextAttemptMs = null;
    });
  }

  /** @inheritdoc */
  setConversion(id: number, result: Reconversion): Promise<void> {
    return this.#change(id, (e) => {
      checkReconversion(result);
      e.meta.state = result.state;
      e.meta.orderKey = result.orderKey ?? null;
      e.meta.attempts = 0;
      e.meta.lastError = result.state === 'failed' ? structuredClone(result.error ?? null) : null;
      e.bundle = result.state === 'converted' ? (result.bundle ?? null) : null;
      e.nextAttemptMs = null;
      e.deliveredMs = null;
      e.meta.deliveredAt = null;
    });
  }

  /** @inheritdoc */
  countByState(): Record<MessageState, number> {
    const counts = emptyCounts();
    for (const e of this.#entries.values()) counts[e.meta.state] += 1;
    return counts;
  }

  /** @inheritdoc */
  purgeDelivered(before: string): Promise<number> {
    return this.#write(() => {
      const beforeMs = instantMs(before, 'before');
      let n = 0;
      for (const [id, e] of this.#entries) {
        if (e.meta.state === 'delivered' && e.deliveredMs !== null && e.deliveredMs < beforeMs) {
          this.#entries.delete(id);
          n++;
        }
      }
      return n;
    });
  }

  /** @inheritdoc */
  ping(): boolean {
    return !this.#closed;
  }

  /** @inheritdoc */
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  #change(id: number, apply: (e: Entry) => void): Promise<void> {
    return this.#write(() => {
      // Released whatever happens, as in the SQLite store: a stuck lease would strand the message.
      this.#leases.release(id);
      const e = this.#entries.get(id);
      if (!e) throw unknownMessage(id);
      // Apply to a copy first, so a rejected change (a bad instant) leaves the message as it was.
      const draft: Entry = { ...e, meta: { ...e.meta } };
      apply(draft);
      draft.meta.nextAttemptAt = draft.nextAttemptMs === null ? null : new Date(draft.nextAttemptMs).toISOString();
      draft.meta.updatedAt = new Date().toISOString();
      this.#entries.set(id, draft);
    });
  }

  #write<T>(run: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(writeFailed('Message store is closed'));
    try {
      return Promise.resolve(run());
    } catch (err) {
      return Promise.reject(err);
    }
  }
}
