import { ErrorCode } from '../../errors/error-codes.ts';
import { IssueType } from '../../errors/outcomes.ts';
import { decodeInput } from './decode-input.ts';
import { parseError } from './location.ts';
import { messageFromLines } from './message.ts';
import { splitSegmentLines } from './segment-lines.ts';
import type { Hl7Message, ParseOptions } from './types.ts';

/*
 * Why an own tokenizer instead of wrapping @medplum/core's Hl7Message: on the benchmark message of
 * parse-hl7v2.bench.ts (2 KB ORU^R01, 15 OBX, 60 values read), Medplum alone (no unescaping, no wrapper) ran at
 * 39-48 k msgs/s and this tokenizer, unescaping included, at 118-122 k msgs/s on the same core (Node 24). A
 * wrapper hiding Medplum's quirks (0-based subcomponents and repetitions, TypeError on an absent repetition,
 * no escapes, no truncation character, no batches) would only be slower, and would not be shorter than a line
 * split, a lazy field split and indexOf scans.
 */

/**
 * Parses one HL7 v2 message (ER7). A batch file, or input holding several MSH, is refused: use `parseBatch`.
 * @param input - The message as text or bytes (bytes are decoded with the charset MSH-18 declares).
 * @param options - Size limit and default charset.
 * @returns The message, with lazy, safe accessors.
 * @throws AdapterError `parse.*`: empty, too-large, not-hl7, unsupported-charset, invalid-value (bytes not
 *   valid in their charset), invalid-msh, invalid-segment.
 */
export function parseMessage(input: string | Uint8Array, options: ParseOptions = {}): Hl7Message {
  const decoded = decodeInput(input, options);
  const lines = splitSegmentLines(decoded.text);
  const id = lines[0]?.slice(0, 3);
  if (id === 'FHS' || id === 'BHS') {
    throw parseError(
      ErrorCode.ParseInvalidMsh,
      IssueType.Structure,
      `Input starts with ${id}: it is a batch file, not a single message (parse it as a batch)`,
      { segment: 'MSH', occurrence: 1 },
    );
  }
  return messageFromLines(lines, options, decoded.charset);
}
