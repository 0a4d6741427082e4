import { OperationOutcomeError } from '@medplum/core';

/**
 * Turns a failure of SQLite itself (busy, I/O, disk full, closed database) into a 500 OperationOutcome. Without
 * this, the router would answer it as 400, and a delivery would be dropped as refused content instead of being
 * retried. The text names only the SQLite error code: messages may quote values.
 * @param err - What was thrown.
 * @returns `err` when it already is an OperationOutcomeError, else a 500 one.
 */
export function toFhirError(err: unknown): OperationOutcomeError {
  if (err instanceof OperationOutcomeError) return err;
  const e = err as { errstr?: string; code?: string; name?: string } | null;
  const what = e?.errstr ?? e?.code ?? e?.name ?? 'unknown';
  return storageFailure(what);
}

/** @returns True for errors raised by node:sqlite (including use of a closed database). */
export function isStorageError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ERR_SQLITE_ERROR' || code === 'ERR_INVALID_STATE';
}

/** @returns A 500 error naming only the SQLite error. */
function storageFailure(what: string): OperationOutcomeError {
  return new OperationOutcomeError({
    resourceType: 'OperationOutcome',
    // getStatus answers 500 for issue code `exception`.
    issue: [{ severity: 'error', code: 'exception', diagnostics: `Storage failure (${what})` }],
  });
}

/** Runs `fn`, converting storage failures with {@link toFhirError}. */
export async function guarded<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw isStorageError(err) ? toFhirError(err) : err;
  }
}
