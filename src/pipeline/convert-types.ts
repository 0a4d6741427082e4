import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import type { AdapterError } from '../errors/adapter-error.ts';
import type { Hl7Message } from '../parse/hl7v2/types.ts';

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
  /** The parsed message, when it parsed (the service reads its header to acknowledge it). */
  message?: Hl7Message;
  /** The message's own segments joined by CR, when it was found (for a batch item, to keep it on its own). */
  text?: string;
}

/** Converts raw input (one message or a batch file) into one result per message; never throws for bad input. */
export type ConvertFn = (input: Uint8Array | string, options?: ConvertOptions) => Promise<ConvertedMessage[]>;
