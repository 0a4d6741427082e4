import type { OperationOutcome } from '@medplum/fhirtypes';

/**
 * Life cycle of one stored HL7 message (one row per message; a batch gives one row per message in it).
 * - `received`: raw message committed, not converted yet (or reset for replay).
 * - `converted`: its transaction Bundle waits in the outbox for delivery.
 * - `delivered`: the target accepted the Bundle.
 * - `failed`: a content error (parse, map, validation); kept for inspection and replay, never retried on its own.
 * - `dead`: delivery gave up (a permanent rejection by the target, or attempts exhausted); replayable.
 */
export const MessageState = {
  Received: 'received',
  Converted: 'converted',
  Delivered: 'delivered',
  Failed: 'failed',
  Dead: 'dead',
} as const;
/** One of the {@link MessageState} values. */
export type MessageState = (typeof MessageState)[keyof typeof MessageState];

/** How a message reached studybridge. */
export const Transport = {
  Mllp: 'mllp',
  Http: 'http',
  Cli: 'cli',
} as const;
/** One of the {@link Transport} values. */
export type Transport = (typeof Transport)[keyof typeof Transport];

/** A message to append, with the result of its conversion when it was converted before the commit. */
export interface NewMessage {
  transport: Transport;
  /** Sending application and facility, `MSH-3.1|MSH-4.1` (empty when the header could not be read). */
  sender: string;
  /** MSH-10, when readable. */
  controlId: string | null;
  /** `MSH-9.1^MSH-9.2`, e.g. `ORU^R01`, when readable. */
  messageType: string | null;
  /** ISO 8601 instant of receipt. */
  receivedAt: string;
  /** The message as received (bytes of the frame or body; for a batch item, that item's own segments). */
  raw: Uint8Array;
  /** `converted` with `bundle`, `failed` with `error`, or `received` when not converted yet. */
  state: typeof MessageState.Received | typeof MessageState.Converted | typeof MessageState.Failed;
  /** JSON text of the transaction Bundle, when `converted`. */
  bundle?: string;
  /**
   * Delivery order key: Bundles with the same key are delivered strictly in append order (a correction never
   * overtakes its original). Typically the Patient's conditional URL; null delivers without ordering.
   */
  orderKey?: string | null;
  /** The content error, when `failed`. */
  error?: OperationOutcome | null;
}

/** What the store knows about a message (without raw bytes or Bundle, which are read separately). */
export interface StoredMessage {
  id: number;
  transport: Transport;
  sender: string;
  controlId: string | null;
  messageType: string | null;
  receivedAt: string;
  state: MessageState;
  orderKey: string | null;
  /** Delivery attempts so far. */
  attempts: number;
  /** Last content or delivery error. */
  lastError: OperationOutcome | null;
  /** When the next delivery attempt is due (ISO instant), for `converted` messages in backoff. */
  nextAttemptAt: string | null;
  /** When the target accepted it. */
  deliveredAt: string | null;
  /** Last state change (ISO instant). */
  updatedAt: string;
}

/** A `converted` message handed to delivery. */
export interface DueMessage {
  id: number;
  orderKey: string | null;
  attempts: number;
  /** JSON text of the transaction Bundle. */
  bundle: string;
}

/** Filter for {@link MessageStore.list}. */
export interface ListQuery {
  states?: readonly MessageState[];
  /** Newest first; at most this many (default 100). */
  limit?: number;
  /** Only ids below this one (for paging backwards). */
  beforeId?: number;
}

/** The result of re-converting a stored message (replay). */
export interface Reconversion {
  state: typeof MessageState.Converted | typeof MessageState.Failed;
  bundle?: string;
  orderKey?: string | null;
  error?: OperationOutcome | null;
}

/**
 * Durable message store and delivery outbox. The embedded implementation is SQLite (WAL); the interface is
 * small so a shared PostgreSQL store for several replicas can follow without touching the pipeline.
 */
export interface MessageStore {
  /**
   * Appends messages in order. Resolves only after the rows are durably committed (fsync), so the caller may
   * ACK then. Concurrent calls are group-committed into one transaction. Rejects with an AdapterError
   * (`store.write-failed`) when the write fails; nothing is then acknowledged.
   * @returns The new ids, in input order.
   */
  append(messages: readonly NewMessage[]): Promise<number[]>;
  /** @returns One message's record, or undefined. */
  get(id: number): StoredMessage | undefined;
  /** @returns The raw bytes of a message, or undefined. */
  raw(id: number): Uint8Array | undefined;
  /** @returns The Bundle JSON of a converted message, or undefined. */
  bundle(id: number): string | undefined;
  /** @returns Messages newest first. */
  list(query?: ListQuery): StoredMessage[];
  /**
   * Claims deliverable messages: `converted`, due at `now`, and the oldest not-yet-finished message of their
   * order key (so a later message never overtakes an earlier one of the same key, even one in backoff), with
   * keys in `exclude` (in flight) skipped. Oldest first.
   */
  claimDue(options: { now: number; limit: number; exclude: ReadonlySet<string> }): DueMessage[];
  /** Marks a message delivered. */
  markDelivered(id: number, at: string): Promise<void>;
  /** Records a failed attempt and when to retry (attempts + 1). */
  markRetry(id: number, error: OperationOutcome, nextAttemptAt: string): Promise<void>;
  /** Moves a message to the dead letters with the reason (attempts + 1). */
  markDead(id: number, error: OperationOutcome): Promise<void>;
  /** Stores the result of re-converting a message (replay): resets attempts and makes it due now. */
  setConversion(id: number, result: Reconversion): Promise<void>;
  /** @returns Number of messages per state (every state present, zero included). */
  countByState(): Record<MessageState, number>;
  /** Deletes delivered messages delivered before `before` (ISO instant). @returns How many were deleted. */
  purgeDelivered(before: string): Promise<number>;
  /** @returns True when the store is open and answers a trivial query. */
  ping(): boolean;
  /** Finishes pending commits and closes. */
  close(): Promise<void>;
}
