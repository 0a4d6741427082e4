import type { ConvertFn, ConvertedMessage, ConvertOptions } from '../pipeline/convert-types.ts';

/** The input of one conformance case, read as bytes: decoding is the parse stage's job, not the runner's. */
export interface CaseInput {
  /** Path of the input file. */
  path: string;
  bytes: Uint8Array;
}

/**
 * One kind of conformance input, registered by file extension. HL7 v2 is the first; CSV exports (which
 * need a column mapping beside the file) plug in as another entry of the table without touching discovery.
 */
export interface CaseKind {
  /** File extension including the dot, e.g. `.hl7`. */
  extension: string;
  /**
   * Converts one input.
   * @param input - The case input.
   * @param options - Conversion options; the runner fixes `receivedAt` so outputs are reproducible.
   * @returns One result per message, as a {@link ConvertFn} returns it.
   */
  convert(input: CaseInput, options: ConvertOptions): Promise<ConvertedMessage[]>;
}

/** Suffix of the expectation file beside `<case>.<ext>`. */
export const EXPECTED_SUFFIX = '.expected.json';

/**
 * @param convert - The HL7 v2 conversion function.
 * @returns The case kind for `.hl7` inputs.
 */
export function hl7CaseKind(convert: ConvertFn): CaseKind {
  return { extension: '.hl7', convert: (input, options) => convert(input.bytes, options) };
}
