import path from 'node:path';
import type { ConvertFn, ConvertedMessage, ConvertOptions } from '../pipeline/convert-types.ts';

/** The input of one conformance case, read as bytes: decoding is the parse stage's job, not the runner's. */
export interface CaseInput {
  /** Path of the input file. */
  path: string;
  bytes: Uint8Array;
}

/**
 * One kind of conformance input, registered by file extension. HL7 v2 and CSV exports are the entries today; a
 * further kind plugs in as another entry of the table without touching discovery.
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

/**
 * Converts one CSV export with the layout of the given id: one result per transaction Bundle and per rejected row,
 * in file order, or a single failed result for a file refused as a whole. Rejects (throws) only when no layout has
 * that id, which is a mistake in the case tree rather than an output to expect.
 */
export type CsvCaseConvertFn = (
  input: Uint8Array,
  layoutId: string,
  options: ConvertOptions,
) => Promise<ConvertedMessage[]>;

/**
 * A CSV export means nothing without its layout, so a CSV case names its layout by the folder it sits in:
 * `<root>/…/<layout id>/<case>.csv`. The runner stays ignorant of layouts; `convert` looks the id up.
 * @param convert - Converts bytes with a layout named by id.
 * @returns The case kind for `.csv` inputs.
 */
export function csvCaseKind(convert: CsvCaseConvertFn): CaseKind {
  return {
    extension: '.csv',
    convert: (input, options) => convert(input.bytes, csvCaseLayoutId(input.path), options),
  };
}

/** @returns The layout id of a CSV case: the name of the folder holding it. */
export function csvCaseLayoutId(inputPath: string): string {
  return path.basename(path.dirname(inputPath));
}
