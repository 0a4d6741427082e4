import type { OperationOutcome } from '@medplum/fhirtypes';
import type { ErrorCode } from './error-codes.ts';

/**
 * The one error type of studybridge. It carries a stage-namespaced {@link ErrorCode} and an OperationOutcome
 * that lists every issue found (not only the first), each with the HL7 location and/or FHIR path it concerns.
 */
export class AdapterError extends Error {
  /** What went wrong, namespaced by stage. */
  readonly code: ErrorCode;
  /** The issues, ready to return to a client. */
  readonly outcome: OperationOutcome;

  /**
   * @param code - What went wrong, namespaced by stage; boundaries translate it to ACK codes, HTTP status or retry class.
   * @param outcome - The issues, ready to return to a client.
   * @param options - The underlying cause, if any.
   */
  constructor(code: ErrorCode, outcome: OperationOutcome, options?: { cause?: unknown }) {
    super(outcome.issue?.map((i) => i.diagnostics ?? i.details?.text ?? i.code).join('; ') || code, options);
    this.name = 'AdapterError';
    this.code = code;
    this.outcome = outcome;
  }
}

/** @returns true when `err` is an {@link AdapterError}. */
export function isAdapterError(err: unknown): err is AdapterError {
  return err instanceof AdapterError;
}
