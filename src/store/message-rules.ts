import type { AdapterError } from '../errors/adapter-error.ts';
import { ErrorCode } from '../errors/error-codes.ts';
import { adapterError, IssueType } from '../errors/outcomes.ts';
import { MessageState, type NewMessage, type Reconversion } from './message-store.ts';

/**
 * States in which a message is not finished: it still has to be converted or delivered. An unfinished message
 * blocks later messages of its order key from delivery; `delivered`, `failed` and `dead` do not (a failed or
 * dead message waits for an operator, and holding back the patient's later results for it would stall the key
 * indefinitely).
 */
export const UNFINISHED_STATES: readonly MessageState[] = [MessageState.Received, MessageState.Converted];

/** Default page size of `list`. */
export const DEFAULT_LIST_LIMIT = 100;

/** @returns Zero for every state, in declaration order. */
export function emptyCounts(): Record<MessageState, number> {
  return { received: 0, converted: 0, delivered: 0, failed: 0, dead: 0 };
}

/**
 * @param diagnostics - Why the write failed; never message content.
 * @param cause - The underlying error.
 * @returns The error every failed store write rejects with.
 */
export function writeFailed(diagnostics: string, cause?: unknown): AdapterError {
  return adapterError(ErrorCode.StoreWriteFailed, IssueType.Exception, diagnostics, undefined, cause);
}

/** @returns The error for a write that names a message the store does not hold. */
export function unknownMessage(id: number): AdapterError {
  return adapterError(ErrorCode.StoreWriteFailed, IssueType.Processing, `No stored message with id ${id}`);
}

/**
 * Parses an ISO instant for comparison. Both stores compare instants as epoch milliseconds and return them as
 * `toISOString()` text, so `2026-01-01T01:00:00+01:00` comes back as `2026-01-01T00:00:00.000Z`.
 * @param iso - The instant.
 * @param what - Which argument, for the error.
 * @returns Milliseconds since the epoch.
 */
export function instantMs(iso: string, what: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw adapterError(ErrorCode.StoreWriteFailed, IssueType.Value, `${what} is not an instant`);
  return ms;
}

/**
 * Checks what a caller asks to append, so a converted message always has a Bundle to deliver.
 * @throws AdapterError (`store.write-failed`) naming the index of the offending message.
 */
export function checkNewMessages(messages: readonly NewMessage[]): void {
  messages.forEach((m, i) => {
    const problem = messageProblem(m.state, m.bundle);
    if (problem) throw adapterError(ErrorCode.StoreWriteFailed, IssueType.Invalid, `messages[${i}]: ${problem}`);
  });
}

/**
 * Checks a re-conversion result.
 * @throws AdapterError (`store.write-failed`).
 */
export function checkReconversion(result: Reconversion): void {
  const problem = messageProblem(result.state, result.bundle);
  if (problem) throw adapterError(ErrorCode.StoreWriteFailed, IssueType.Invalid, problem);
}

function messageProblem(state: MessageState, bundle: string | undefined): string | undefined {
  if (state !== MessageState.Received && state !== MessageState.Converted && state !== MessageState.Failed) {
    return `state ${String(state)} cannot be stored directly`;
  }
  if (state === MessageState.Converted && typeof bundle !== 'string') return 'a converted message needs a bundle';
  return undefined;
}
