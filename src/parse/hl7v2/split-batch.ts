import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { ErrorCode } from '../../errors/error-codes.ts';
import { issue, IssueType, normalizeError } from '../../errors/outcomes.ts';
import { resolveCharset, type Hl7Charset } from './charsets.ts';
import { decodeInput } from './decode-input.ts';
import { DEFAULT_ENCODING, readEncodingCharacters } from './encoding-characters.ts';
import { formatLocation, parseError } from './location.ts';
import { messageFromLines } from './message.ts';
import { Segment } from './segment.ts';
import { splitSegmentLines } from './segment-lines.ts';
import type { EncodingCharacters, Hl7BatchItem, Hl7BatchResult, ParseOptions } from './types.ts';

const CONTROL_IDS = new Set(['FHS', 'BHS', 'BTS', 'FTS']);

/** True for FHS/BHS/BTS/FTS lines (ID followed by a non-ID character, so `BTSX|` is not a BTS). */
function controlId(line: string): string | undefined {
  const id = line.slice(0, 3);
  return CONTROL_IDS.has(id) && (line.length === 3 || !/[A-Z0-9]/.test(line.charAt(3))) ? id : undefined;
}

/** MSH-10 read without parsing, for a message that failed: the 10th piece when split on its MSH-1. */
function rawControlId(mshLine: string): string | undefined {
  if (!mshLine.startsWith('MSH') || mshLine.length < 4) return undefined;
  const value = mshLine.split(mshLine.charAt(3))[9]?.trim();
  return value ? value : undefined;
}

/** Batch control segments parsed as they come, with the counts they declare. */
class BatchState {
  readonly headers: Segment[] = [];
  readonly trailers: Segment[] = [];
  readonly items: Hl7BatchItem[] = [];
  readonly warnings: OperationOutcomeIssue[] = [];
  readonly declared: { batch?: number; file?: number } = {};
  readonly #occurrences = new Map<string, number>();
  #encoding: EncodingCharacters = DEFAULT_ENCODING;
  #openBatch: { found: number } | undefined;
  #openFile = false;
  #batches = 0;
  #messagesOutsideBatch = 0;

  warn(type: IssueType, text: string, hl7?: string): void {
    this.warnings.push(issue('warning', type, text, hl7 ? { hl7 } : {}));
  }

  messageStarted(encoding: EncodingCharacters | undefined): void {
    if (encoding) this.#encoding = encoding;
    if (this.#openBatch) this.#openBatch.found++;
    else this.#messagesOutsideBatch++;
  }

  control(id: string, line: string, index: number): void {
    const occurrence = (this.#occurrences.get(id) ?? 0) + 1;
    this.#occurrences.set(id, occurrence);
    let encoding = { ...this.#encoding, field: line.charAt(3) || this.#encoding.field };
    if (id === 'FHS' || id === 'BHS') {
      try {
        encoding = readEncodingCharacters(line, { segment: id, occurrence });
        this.#encoding = encoding;
      } catch {
        this.warn(
          IssueType.Structure,
          `${id}-2 does not hold valid encoding characters; defaults assumed`,
          `${id}[${occurrence}].2`,
        );
      }
    }
    const segment = new Segment(line, index, occurrence, { encoding, charset: undefined });
    const where = formatLocation(segment.at(1));
    if (id === 'FHS') {
      this.#openFile = true;
      this.headers.push(segment);
    } else if (id === 'BHS') {
      if (this.#openBatch) this.warn(IssueType.Structure, 'A batch (BHS) has no BTS trailer before the next BHS');
      this.#openBatch = { found: 0 };
      this.#batches++;
      this.headers.push(segment);
    } else if (id === 'BTS') {
      const found = this.#openBatch?.found ?? this.#messagesOutsideBatch;
      const count = this.#count(segment, where);
      if (count !== undefined) {
        this.declared.batch = (this.declared.batch ?? 0) + count;
        if (count !== found) {
          this.warn(IssueType.Invariant, `BTS-1 declares ${count} messages but the batch holds ${found}`, where);
        }
      }
      if (!this.#openBatch) this.#batches++;
      this.#openBatch = undefined;
      this.#messagesOutsideBatch = 0;
      this.trailers.push(segment);
    } else {
      const count = this.#count(segment, where);
      // FTS-1 counts batches; a file without batch segments is commonly sent with its message count instead.
      const expected = this.#batches > 0 ? this.#batches : this.items.length;
      if (count !== undefined) {
        this.declared.file = count;
        if (count !== expected) {
          this.warn(IssueType.Invariant, `FTS-1 declares ${count} batches but the file holds ${expected}`, where);
        }
      }
      this.#openFile = false;
      this.trailers.push(segment);
    }
  }

  #count(segment: Segment, where: string): number | undefined {
    const text = segment.get(1, 1).trim();
    if (text === '') return undefined;
    if (!/^\d+$/.test(text)) {
      this.warn(IssueType.Value, `${segment.id}-1 (count) is not a whole number`, where);
      return undefined;
    }
    return Number(text);
  }

  finish(): void {
    if (this.#openBatch)
      this.warn(IssueType.Structure, 'The batch (BHS) has no BTS trailer: the input may be truncated');
    if (this.#openFile) this.warn(IssueType.Structure, 'The file (FHS) has no FTS trailer: the input may be truncated');
  }
}

function beforeFirstMessageError(line: string, index: number): Error {
  const id = line.slice(0, 3);
  if (!/^[A-Z0-9]{3}$/.test(id)) {
    return parseError(
      ErrorCode.ParseNotHl7,
      IssueType.Structure,
      `Segment ${index + 1} of the input, before the first message, is not an HL7 segment`,
    );
  }
  return parseError(
    ErrorCode.ParseInvalidMsh,
    IssueType.Structure,
    `Expected MSH, FHS or BHS before the first message; segment ${index + 1} of the input is ${id}`,
    { segment: 'MSH', occurrence: 1 },
  );
}

/**
 * Splits a batch file (FHS/BHS ... BTS/FTS, any number of batches) or a lone message into messages and parses
 * each on its own, so one broken message never loses the others.
 *
 * Input without any MSH is refused unless a trailer declares it empty (`BTS|0` or `FTS|0`): an empty batch is
 * how some senders say "nothing today". Count mismatches, missing trailers and stray segments between
 * messages are warnings. When bytes are given, the whole input is decoded with the charset of the first MSH;
 * a message declaring another charset gets a warning.
 * @param input - Batch or message, text or bytes.
 * @param options - Size limit and default charset.
 * @returns Headers, trailers, declared counts, one item per MSH and the warnings.
 * @throws AdapterError only when the input as a whole is unusable: `parse.empty`, `parse.too-large`,
 *   `parse.not-hl7`, `parse.unsupported-charset`, `parse.invalid-value` (bytes not valid in their charset),
 *   `parse.invalid-msh` (something other than FHS/BHS before the first MSH, or no MSH at all).
 */
export function parseBatch(input: string | Uint8Array, options: ParseOptions = {}): Hl7BatchResult {
  const decoded = decodeInput(input, options);
  const lines = splitSegmentLines(decoded.text);
  const state = new BatchState();
  let current: string[] | undefined;
  const flush = (): void => {
    if (current) state.items.push(parseItem(current, state, options, decoded.charset));
    current = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.startsWith('MSH')) {
      flush();
      current = [line];
      continue;
    }
    const id = controlId(line);
    if (id) {
      flush();
      state.control(id, line, i);
    } else if (current) {
      current.push(line);
    } else if (state.items.length === 0) {
      throw beforeFirstMessageError(line, i);
    } else {
      state.warn(IssueType.Structure, `Segment ${i + 1} of the input lies outside any message and was ignored`);
    }
  }
  flush();
  state.finish();
  if (state.items.length === 0 && state.declared.batch !== 0 && state.declared.file !== 0) {
    throw parseError(ErrorCode.ParseInvalidMsh, IssueType.Required, 'Input holds no message (no MSH segment)', {
      segment: 'MSH',
      occurrence: 1,
    });
  }
  return {
    headers: state.headers,
    trailers: state.trailers,
    declaredCounts: state.declared,
    items: state.items,
    warnings: state.warnings,
  };
}

function parseItem(
  lines: string[],
  state: BatchState,
  options: ParseOptions,
  decodedWith: Hl7Charset | undefined,
): Hl7BatchItem {
  const index = state.items.length;
  try {
    const message = messageFromLines(lines, options, decodedWith);
    state.messageStarted(message.encoding);
    if (decodedWith && message.charset.trim() !== '' && resolveCharset(message.charset)?.name !== decodedWith.name) {
      state.warn(
        IssueType.NotSupported,
        `Message ${index + 1} declares a different charset in MSH-18 than the first message; it was decoded as ${decodedWith.name}`,
        'MSH[1].18',
      );
    }
    return { index, ok: true, message };
  } catch (err) {
    state.messageStarted(undefined);
    const controlId = rawControlId(lines[0] ?? '');
    const text = lines.join('\r');
    const error = normalizeError(err);
    return controlId === undefined ? { index, ok: false, error, text } : { index, ok: false, error, text, controlId };
  }
}
