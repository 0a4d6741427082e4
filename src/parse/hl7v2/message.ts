import { ErrorCode } from '../../errors/error-codes.ts';
import { IssueType } from '../../errors/outcomes.ts';
import { resolveCharset, UTF8, type Hl7Charset } from './charsets.ts';
import { readEncodingCharacters } from './encoding-characters.ts';
import { formatLocation, parseError } from './location.ts';
import { Segment } from './segment.ts';
import type { EncodingCharacters, Hl7Message, ParseOptions } from './types.ts';

const isIdCode = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);

/**
 * A parsed message: segments are created up front (cheap: an ID and a line each) so every segment ID is
 * checked at parse time, while fields are split only when read.
 */
export class Message implements Hl7Message {
  readonly encoding: EncodingCharacters;
  readonly segments: readonly Segment[];
  readonly header: Segment;
  readonly messageCode: string;
  readonly triggerEvent: string;
  readonly messageStructure: string;
  readonly controlId: string;
  readonly version: string;
  readonly charset: string;
  readonly #lines: readonly string[];
  readonly #byId: Map<string, Segment[]>;
  #text: string | undefined;

  /**
   * @param lines - The segment lines, MSH first (already validated by {@link messageFromLines}).
   * @param segments - The segments built from them.
   * @param byId - The segments grouped by ID.
   * @param encoding - The delimiters MSH declares.
   */
  constructor(
    lines: readonly string[],
    segments: Segment[],
    byId: Map<string, Segment[]>,
    encoding: EncodingCharacters,
  ) {
    const header = segments[0] as Segment;
    this.#lines = lines;
    this.#byId = byId;
    this.segments = segments;
    this.header = header;
    this.encoding = encoding;
    this.messageCode = header.get(9, 1);
    this.triggerEvent = header.get(9, 2);
    this.messageStructure = header.get(9, 3);
    this.controlId = header.get(10);
    this.version = header.get(12, 1);
    this.charset = header.get(18, 1);
  }

  /** Segments joined by CR, built on first use. */
  get text(): string {
    return (this.#text ??= this.#lines.join('\r'));
  }

  /** All segments with this ID, in order. */
  all(id: string): readonly Segment[] {
    return this.#byId.get(id) ?? [];
  }

  /** The first segment with this ID, if any. */
  first(id: string): Segment | undefined {
    return this.#byId.get(id)?.[0];
  }
}

/**
 * The charset used for `\X..\` escapes: the one MSH-18 names, else the charset the input was decoded with,
 * else the configured default, else UTF-8. An MSH-18 this code does not know leaves `\X..\` verbatim.
 */
function escapeCharset(
  msh18: string,
  decodedWith: Hl7Charset | undefined,
  options: ParseOptions,
): Hl7Charset | undefined {
  if (msh18.trim() !== '') return resolveCharset(msh18);
  if (decodedWith) return decodedWith;
  return options.defaultCharset ? resolveCharset(options.defaultCharset) : UTF8;
}

/**
 * Builds a message from its segment lines and checks its structure.
 * @param lines - Non-blank segment lines; the first must be MSH.
 * @param options - Parse options (default charset).
 * @param decodedWith - Charset the input bytes were decoded with, if they were bytes.
 * @returns The message.
 * @throws AdapterError `parse.invalid-msh` (no MSH first, bad MSH-1/MSH-2, MSH-9 empty, a second MSH) or
 *   `parse.invalid-segment` for a line whose segment ID is not three upper-case letters or digits followed by the
 *   field separator (e.g. a truncated or wrapped line); the diagnostic gives its 1-based segment number.
 */
export function messageFromLines(lines: readonly string[], options: ParseOptions, decodedWith?: Hl7Charset): Message {
  const first = lines[0] ?? '';
  if (!first.startsWith('MSH')) {
    throw parseError(
      ErrorCode.ParseInvalidMsh,
      IssueType.Structure,
      `Message must start with an MSH segment; segment 1 is ${/^[A-Z0-9]{3}$/.test(first.slice(0, 3)) ? first.slice(0, 3) : 'not a valid segment'}`,
      { segment: 'MSH', occurrence: 1 },
    );
  }
  const encoding = readEncodingCharacters(first, { segment: 'MSH', occurrence: 1 });
  const fs = encoding.field.charCodeAt(0);
  // The charset comes from MSH-18, which can only be read once the segment exists.
  const ctx: { encoding: EncodingCharacters; charset: Hl7Charset | undefined } = { encoding, charset: undefined };
  const segments: Segment[] = [];
  const byId = new Map<string, Segment[]>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const ok =
      line.length >= 3 &&
      isIdCode(line.charCodeAt(0)) &&
      isIdCode(line.charCodeAt(1)) &&
      isIdCode(line.charCodeAt(2)) &&
      (line.length === 3 || line.charCodeAt(3) === fs);
    if (!ok) {
      // Naming the previous segment helps find the line without quoting it (it may hold patient data).
      const previous = segments[i - 1];
      const after = previous ? ` (after ${formatLocation(previous.at())})` : '';
      throw parseError(
        ErrorCode.ParseInvalidSegment,
        IssueType.Structure,
        `Segment ${i + 1}${after} has no valid segment ID (expected three upper-case letters or digits, then the field separator); the line may be truncated or wrapped`,
      );
    }
    const id = line.slice(0, 3);
    let same = byId.get(id);
    if (!same) byId.set(id, (same = []));
    if (id === 'MSH' && i > 0) {
      throw parseError(
        ErrorCode.ParseInvalidMsh,
        IssueType.Structure,
        `Segment ${i + 1} is a second MSH: the input holds several messages (parse it as a batch)`,
        { segment: 'MSH', occurrence: 2 },
      );
    }
    const segment = new Segment(line, i, same.length + 1, ctx);
    same.push(segment);
    segments.push(segment);
  }
  const header = segments[0] as Segment;
  ctx.charset = escapeCharset(header.get(18, 1), decodedWith, options);
  if (header.get(9, 1).trim() === '') {
    throw parseError(ErrorCode.ParseInvalidMsh, IssueType.Required, 'MSH-9 (message type) is empty', header.at(9));
  }
  return new Message(lines, segments, byId, encoding);
}
