import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import type { AdapterError } from '../errors/adapter-error.ts';

/** Per-call options of a conversion. */
export interface ConvertOptions {
  /** When the input was received (ISO 8601 instant); goes to Provenance.recorded. Default: now. */
  receivedAt?: string;
  /** Validate every produced resource against base R4 and the profiles. Default true. */
  validate?: boolean;
}

/** The result for one HL7 message of an input (a batch file gives one per message). */
export interface ConvertedMessage {
  /** 0-based position of the message within the input. */
  index: number;
  /** MSH-10, when it could be read. */
  controlId?: string;
  /** True when a Bundle was produced. */
  ok: boolean;
  /** The transaction Bundle, when `ok`. */
  bundle?: Bundle;
  /** On success: warnings and information (e.g. unmapped codes passed through); on failure: the errors. */
  outcome: OperationOutcome;
  /** The error, when not `ok`. */
  error?: AdapterError;
}

/** Converts raw input (one message or a batch file) into one result per message; never throws for bad input. */
export type ConvertFn = (input: Uint8Array | string, options?: ConvertOptions) => Promise<ConvertedMessage[]>;
