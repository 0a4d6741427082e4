import type { OperationOutcome } from '@medplum/fhirtypes';
import type { MessageState, StoredMessage, Transport } from './message-store.ts';

/** SQL condition: the message is not finished (it blocks later messages of its order key). */
export const UNFINISHED_SQL = `state IN ('received', 'converted')`;

/**
 * The claim query: converted heads that are due, not excluded and not leased, oldest first. It walks the partial
 * index `message_claim` in id order and stops after `$limit` hits; heads in backoff are skipped on the index
 * alone. INDEXED BY because, without statistics, the planner prefers `message_state (state, id)` for its
 * equality match and would walk every converted row, blocked ones included. Exported so a test can check the plan.
 */
export const CLAIM_DUE_SQL = `SELECT m.id AS id, m.order_key AS orderKey, m.attempts AS attempts, b.bundle AS bundle
  FROM message m INDEXED BY message_claim JOIN message_body b ON b.id = m.id
  WHERE m.head = 1 AND m.state = 'converted'
    AND (m.next_attempt_ms IS NULL OR m.next_attempt_ms <= $now)
    AND (m.order_key IS NULL OR m.order_key NOT IN (SELECT value FROM json_each($exclude)))
    AND m.id NOT IN (SELECT value FROM json_each($leased))
  ORDER BY m.id LIMIT $limit`;

/** A `message` row as read with {@link MESSAGE_COLUMNS}. */
export interface MessageRow {
  id: number;
  transport: string;
  sender: string;
  control_id: string | null;
  message_type: string | null;
  received_at: string;
  state: string;
  order_key: string | null;
  attempts: number;
  last_error: string | null;
  next_attempt_ms: number | null;
  delivered_ms: number | null;
  updated_at: string;
}

/** The columns of {@link MessageRow}. */
export const MESSAGE_COLUMNS = `id, transport, sender, control_id, message_type, received_at, state, order_key, attempts,
  last_error, next_attempt_ms, delivered_ms, updated_at`;

/** @returns JSON text of an outcome, or null. */
export function json(value: OperationOutcome | null | undefined): string | null {
  return value ? JSON.stringify(value) : null;
}

/** @returns Epoch milliseconds as an ISO instant, or null. */
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** @returns The {@link StoredMessage} of a row. */
export function toStored(row: MessageRow): StoredMessage {
  return {
    id: row.id,
    transport: row.transport as Transport,
    sender: row.sender,
    controlId: row.control_id,
    messageType: row.message_type,
    receivedAt: row.received_at,
    state: row.state as MessageState,
    orderKey: row.order_key,
    attempts: row.attempts,
    lastError: row.last_error === null ? null : (JSON.parse(row.last_error) as OperationOutcome),
    nextAttemptAt: iso(row.next_attempt_ms),
    deliveredAt: iso(row.delivered_ms),
    updatedAt: row.updated_at,
  };
}
