import { Buffer } from 'node:buffer';
import { CsvError, parse, type Info, type Options, type Parser } from 'csv-parse';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { AdapterError } from '../../errors/adapter-error.ts';
import { ErrorCode } from '../../errors/error-codes.ts';
import { adapterError, adapterErrorFromIssues, issue, IssueType } from '../../errors/outcomes.ts';
import {
  CSV_DELIMITERS,
  CSV_ENCODINGS,
  CsvProblem,
  type CsvFormat,
  type CsvItem,
  type CsvProblemCode,
  type ReadCsvOptions,
} from './csv-types.ts';
import { endsWithBreak, leadingBreaks, scanRecord } from './record-text.ts';
import { Utf8Tracker } from './utf8-tracker.ts';

/** Default of {@link ReadCsvOptions.maxRecordBytes}: 1 MiB. */
export const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;
/** How much of the file's start is checked for binary content. */
const SNIFF_BYTES = 4096;
/** Input is handed to the parser in pieces of at most this size, so memory does not grow with chunk size. */
const PIECE_BYTES = 64 * 1024;
const ENCODINGS: readonly string[] = CSV_ENCODINGS;

/** What csv-parse hands `on_record` with `raw` and `info` on. */
interface ParsedRecord {
  record: string[];
  raw: string;
  info: Info;
}

/** windows-1252 differs from latin1 only in 0x80–0x9F; these are its characters there (WHATWG mapping). */
const CP1252_HIGH = new TextDecoder('windows-1252').decode(Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i));
const C1 = /[\x80-\x9f]/;
const C1_ALL = /[\x80-\x9f]/g;
const toCp1252 = (s: string): string => s.replace(C1_ALL, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80] as string);

/**
 * Reads a CSV file as a stream of items: the header, then one record or problem per non-empty row, each with the
 * physical line it starts on. A row that cannot be read (wrong number of fields, invalid UTF-8, text after a
 * closing quote) is yielded as a problem and reading goes on; completely empty lines are skipped. Memory stays
 * constant whatever the file size: the file is parsed in 64 KiB pieces by csv-parse and records are yielded as
 * they are found.
 *
 * A file that cannot be read at all throws an AdapterError instead, and then the whole file is refused, items
 * already yielded included: `csv.empty` (no header line: no bytes, or only a BOM or blank lines), `csv.not-csv`
 * (control characters in the first 4 KiB, a UTF-16 file, or a quote never closed), `csv.wrong-delimiter`,
 * `csv.wrong-encoding` (a header that is not valid UTF-8, or a UTF-8 BOM on a file said to be latin1 or
 * windows-1252), `csv.empty-header`, `csv.duplicate-header`, `csv.record-too-large`. A format that is not
 * readable (a delimiter other than one ASCII character, say) is `mapping.invalid`. Messages name lines and
 * columns and never quote the data, header names aside.
 *
 * @param input - The file's bytes, e.g. `fs.createReadStream(path)`. String chunks are taken as text already
 *   decoded (the format's encoding then does not apply); an input mixes no strings and bytes.
 * @param format - How the file is written, from its layout.
 * @param options - Limits.
 * @returns The items, in file order.
 * @throws AdapterError as listed above.
 */
export async function* readCsv(
  input: AsyncIterable<Buffer | Uint8Array | string>,
  format: CsvFormat,
  options: ReadCsvOptions = {},
): AsyncGenerator<CsvItem> {
  const reader = new CsvReader(format, options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES);
  const head: Buffer[] = [];
  let headBytes = 0;
  try {
    for await (const chunk of input) {
      let bytes = reader.bytesOf(chunk);
      if (bytes.length === 0) continue;
      if (headBytes < SNIFF_BYTES) {
        // Nothing is parsed before the start of the file is known to be text.
        head.push(bytes);
        headBytes += bytes.length;
        if (headBytes < SNIFF_BYTES) continue;
        bytes = head.length === 1 ? bytes : Buffer.concat(head);
        head.length = 0;
        reader.sniff(bytes);
      }
      for (let at = 0; at < bytes.length; at += PIECE_BYTES) {
        await reader.write(bytes.subarray(at, at + PIECE_BYTES));
        const items = reader.take();
        for (let i = 0; i < items.length; i++) yield items[i] as CsvItem;
        reader.throwIfFailed();
      }
    }
    if (head.length > 0) {
      const bytes = Buffer.concat(head);
      reader.sniff(bytes);
      await reader.write(bytes);
      yield* reader.take();
      reader.throwIfFailed();
    }
    await reader.end();
    yield* reader.take();
    reader.throwIfFailed();
  } finally {
    reader.destroy();
  }
}

/** The state of one file being read: the parser, line counting, the header, and items not yet yielded. */
class CsvReader {
  private readonly format: CsvFormat;
  private readonly maxRecordBytes: number;
  private readonly quoteCode: number;
  private readonly delimiterCode: number;
  private parser: Parser | undefined;
  /** Whether the input is text (string chunks) rather than bytes; known from the first non-empty chunk. */
  private text: boolean | undefined;
  private utf8: Utf8Tracker | undefined;
  private cp1252 = false;
  private items: CsvItem[] = [];
  private failure: unknown;
  /** Physical line the text after the last record starts on. */
  private nextLine = 1;
  private headerLength = 0;
  private headerRead = false;
  /** Line of a blank first row, while it is not known whether anything but blank rows follows. */
  private blankHeaderLine = 0;

  constructor(format: CsvFormat, maxRecordBytes: number) {
    checkFormat(format);
    this.format = format;
    this.maxRecordBytes = maxRecordBytes;
    this.quoteCode = format.quote.charCodeAt(0);
    this.delimiterCode = format.delimiter.charCodeAt(0);
  }

  /** @returns The chunk as bytes; the first non-empty chunk decides whether the input is text or bytes. */
  bytesOf(chunk: Buffer | Uint8Array | string): Buffer {
    const isText = typeof chunk === 'string';
    if (chunk.length === 0) return Buffer.alloc(0);
    if (this.text === undefined) this.text = isText;
    else if (this.text !== isText) {
      throw adapterError(ErrorCode.IngestBadInput, IssueType.Invalid, 'CSV input mixes text and byte chunks');
    }
    if (isText) return Buffer.from(chunk, 'utf8');
    return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }

  /**
   * Refuses a file whose start is not text: a UTF-16 byte order mark, a UTF-8 one on a file said to be in a
   * single-byte encoding, or a control character other than tab, line feed, vertical tab, form feed and carriage
   * return in the first 4 KiB.
   * @param b - The file's first bytes (4 KiB or more, or the whole file when shorter).
   */
  sniff(b: Buffer): void {
    if ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff)) {
      throw adapterError(
        ErrorCode.CsvNotCsv,
        IssueType.Structure,
        'The file is UTF-16 text (it starts with a UTF-16 byte order mark); CSV files are read as UTF-8, latin1 or windows-1252',
      );
    }
    if (!this.text && this.format.encoding !== 'utf-8' && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) {
      throw adapterError(
        ErrorCode.CsvWrongEncoding,
        IssueType.Invalid,
        `The file starts with a UTF-8 byte order mark, but the layout says it is ${this.format.encoding}`,
      );
    }
    let line = 1;
    const n = Math.min(b.length, SNIFF_BYTES);
    for (let i = 0; i < n; i++) {
      const c = b[i] as number;
      if (c >= 0x20) continue;
      if (c === 0x0d || (c === 0x0a && b[i - 1] !== 0x0d)) line++;
      else if (c < 0x09 || c > 0x0d) {
        const hex = c.toString(16).toUpperCase().padStart(2, '0');
        throw adapterError(
          ErrorCode.CsvNotCsv,
          IssueType.Structure,
          `The file is not CSV text: line ${line} holds the control character 0x${hex} (byte ${i + 1}), as binary files do`,
        );
      }
    }
  }

  /** Parses the next piece of the file; records found go to the items, a failure is kept for {@link throwIfFailed}. */
  write(piece: Buffer): Promise<void> {
    const parser = this.parser ?? this.createParser();
    this.utf8?.push(piece);
    return new Promise((resolve) => {
      parser.write(piece, (err) => {
        if (err) this.failure ??= err;
        resolve();
      });
    });
  }

  /** Ends the file: parses what is left, and refuses a file without a header. */
  async end(): Promise<void> {
    const parser = this.parser;
    if (!parser) {
      this.failure ??= emptyFile();
      return;
    }
    this.utf8?.end();
    await new Promise<void>((resolve) => {
      parser.end((err?: Error | null) => {
        if (err) this.failure ??= err;
        resolve();
      });
    });
    if (!this.headerRead) this.failure ??= emptyFile();
  }

  /** @returns The items found since the last call. */
  take(): CsvItem[] {
    const items = this.items;
    if (items.length > 0) this.items = [];
    return items;
  }

  /** Throws the failure met while parsing, as an AdapterError when it came from the parser. */
  throwIfFailed(): void {
    const err = this.failure;
    if (err === undefined) return;
    if (err instanceof CsvError) throw this.translate(err);
    throw err;
  }

  destroy(): void {
    this.parser?.destroy();
  }

  private createParser(): Parser {
    const { delimiter, quote, encoding } = this.format;
    const bytes = this.text !== true;
    this.utf8 = bytes && encoding === 'utf-8' ? new Utf8Tracker() : undefined;
    this.cp1252 = bytes && encoding === 'windows-1252';
    const options: Options = {
      bom: true,
      raw: true,
      info: true,
      // Ragged rows are reported, not refused; csv-parse's own check would stop the file at the first one.
      relax_column_count: true,
      // A quote inside an unquoted field is a plain character; text after a closing quote is reported by scanRecord.
      relax_quotes: true,
      skip_empty_lines: true,
      delimiter,
      quote,
      escape: quote,
      record_delimiter: ['\r\n', '\n', '\r'],
      // windows-1252 is read as latin1, then 0x80–0x9F are mapped (Buffer has no windows-1252).
      encoding: !bytes || encoding === 'utf-8' ? 'utf8' : 'latin1',
      max_record_size: this.maxRecordBytes,
      on_record: ((record: ParsedRecord) => {
        this.onRecord(record);
        return null;
      }) as unknown as Options['on_record'],
    };
    const parser = parse(options);
    // Failures reach write() and end() through their callbacks; the event must still be listened to.
    parser.on('error', () => {});
    this.parser = parser;
    return parser;
  }

  private onRecord(rec: ParsedRecord): void {
    const raw = rec.raw;
    // Blank lines the parser skipped are at the start of the raw text, the first byte of the line ending at its end.
    const lead = leadingBreaks(raw);
    const ending = endsWithBreak(raw) ? 1 : 0;
    let text = lead === 0 && ending === 0 ? raw : raw.slice(lead, raw.length - ending);
    const line = this.nextLine + lead;
    let breaks = 0;
    let badQuoteField = 0;
    if (text.indexOf(this.format.quote) !== -1) {
      const scan = scanRecord(text, this.quoteCode, this.delimiterCode);
      breaks = scan.breaks;
      badQuoteField = scan.badQuoteField;
    }
    this.nextLine = line + breaks + ending;
    const invalidUtf8 = this.utf8 !== undefined && this.utf8.invalidBefore(rec.info.bytes);
    let fields = rec.record;
    if (this.cp1252 && C1.test(text)) {
      text = toCp1252(text);
      fields = fields.map(toCp1252);
    }
    if (!this.headerRead) {
      this.onHeader(fields, text, line, invalidUtf8);
      return;
    }
    if (invalidUtf8) {
      this.problem(CsvProblem.InvalidEncoding, line, `Line ${line} is not valid UTF-8`, text, fields);
    } else if (badQuoteField !== 0) {
      const message = `Line ${line}, field ${badQuoteField}: text follows the closing quote of a quoted field`;
      this.problem(CsvProblem.InvalidQuote, line, message, text, fields);
    } else if (fields.length !== this.headerLength) {
      const message = `Line ${line}: expected ${this.headerLength} fields as in the header, found ${fields.length}`;
      this.problem(CsvProblem.RaggedRow, line, message, text, fields);
    } else {
      this.items.push({ kind: 'record', line, fields, raw: text });
    }
  }

  private problem(code: CsvProblemCode, line: number, message: string, raw: string, fields: string[]): void {
    this.items.push({ kind: 'problem', line, code, message, raw, fields });
  }

  /** Checks the header and yields it; a file whose first rows are all blank is empty, unless a row follows them. */
  private onHeader(fields: string[], text: string, line: number, invalidUtf8: boolean): void {
    if (text.trim() === '') {
      if (this.blankHeaderLine === 0) this.blankHeaderLine = line;
      return;
    }
    if (this.blankHeaderLine !== 0) {
      throw adapterError(
        ErrorCode.CsvEmptyHeader,
        IssueType.Required,
        `Line ${this.blankHeaderLine}, where the header is expected, is blank`,
      );
    }
    if (invalidUtf8) {
      throw adapterError(
        ErrorCode.CsvWrongEncoding,
        IssueType.Invalid,
        `The header (line ${line}) is not valid UTF-8: the file seems to use another encoding than the layout's utf-8`,
      );
    }
    if (fields.length === 1) this.checkDelimiter(fields[0] as string, text, line);
    const names = fields.map((f) => f.trim());
    const empty: OperationOutcomeIssue[] = [];
    names.forEach((name, i) => {
      if (name === '')
        empty.push(issue('error', IssueType.Required, `The header (line ${line}) has no name for column ${i + 1}`));
    });
    if (empty.length > 0) throw adapterErrorFromIssues(ErrorCode.CsvEmptyHeader, empty);
    const columns = new Map<string, number[]>();
    names.forEach((name, i) => {
      const seen = columns.get(name);
      if (seen) seen.push(i + 1);
      else columns.set(name, [i + 1]);
    });
    const duplicates = [...columns].filter(([, at]) => at.length > 1);
    if (duplicates.length > 0) {
      throw adapterErrorFromIssues(
        ErrorCode.CsvDuplicateHeader,
        duplicates.map(([name, at]) =>
          issue(
            'error',
            IssueType.Duplicate,
            `The header (line ${line}) names ${JSON.stringify(name)} in columns ${at.join(', ')}`,
          ),
        ),
      );
    }
    this.headerRead = true;
    this.headerLength = names.length;
    this.items.push({ kind: 'header', line, names });
  }

  /**
   * A header of one column that another common delimiter splits in several means the layout's delimiter is not
   * the file's; a header that is one quoted field is taken as written.
   */
  private checkDelimiter(value: string, text: string, line: number): void {
    const { quote, delimiter } = this.format;
    if (text.length >= 2 && text.startsWith(quote) && text.endsWith(quote)) {
      if (text.slice(1, -1).replaceAll(quote + quote, quote) === value) return;
    }
    let best = '';
    let bestColumns = 1;
    for (const d of CSV_DELIMITERS) {
      if (d === delimiter) continue;
      const columns = text.split(d).length;
      if (columns > bestColumns) {
        best = d;
        bestColumns = columns;
      }
    }
    if (best === '') return;
    throw adapterError(
      ErrorCode.CsvWrongDelimiter,
      IssueType.Structure,
      `The header (line ${line}) is a single column, but split at ${delimiterName(best)} it has ${bestColumns} columns: ` +
        `the file seems to use ${delimiterName(best)} as delimiter, the layout says ${delimiterName(delimiter)}`,
    );
  }

  /**
   * Turns csv-parse's errors into the file-level errors they mean, with the lines they concern. The parser's error
   * is not kept as the cause: it carries the record's text, which must not reach a log.
   */
  private translate(err: CsvError): AdapterError {
    const raw = typeof err.raw === 'string' ? err.raw : '';
    const start = this.nextLine + leadingBreaks(raw);
    const open = scanRecord(raw, this.quoteCode, this.delimiterCode).openQuoteBreaks;
    const openLine = open >= 0 ? this.nextLine + open : start;
    if (err.code === 'CSV_QUOTE_NOT_CLOSED') {
      return adapterError(
        ErrorCode.CsvNotCsv,
        IssueType.Structure,
        `The quote opened at line ${openLine} is never closed: the file ends inside a quoted field`,
      );
    }
    if (err.code === 'CSV_MAX_RECORD_SIZE') {
      const why = open >= 0 ? `; the quote opened at line ${openLine} is probably never closed` : '';
      return adapterError(
        ErrorCode.CsvRecordTooLarge,
        IssueType.TooLong,
        `The record starting at line ${start} is longer than ${this.maxRecordBytes} bytes${why}`,
      );
    }
    return adapterError(ErrorCode.Internal, IssueType.Exception, `The CSV parser failed (${err.code})`);
  }
}

function emptyFile(): AdapterError {
  return adapterError(
    ErrorCode.CsvEmpty,
    IssueType.Required,
    'The file has no header line: it is empty or holds only blank lines',
  );
}

function delimiterName(d: string): string {
  return d === '\t' ? 'tab' : `'${d}'`;
}

/** Refuses a format the reader cannot apply; layouts are checked when loaded, so this guards other callers. */
function checkFormat(format: CsvFormat): void {
  const problems: string[] = [];
  const oneAscii = (s: unknown): boolean =>
    typeof s === 'string' && s.length === 1 && s.charCodeAt(0) < 0x80 && s !== '\r' && s !== '\n';
  if (!oneAscii(format.delimiter)) problems.push('the delimiter must be one ASCII character other than a line break');
  if (!oneAscii(format.quote)) problems.push('the quote must be one ASCII character other than a line break');
  else if (format.quote === format.delimiter) problems.push('the quote must differ from the delimiter');
  if (!ENCODINGS.includes(format.encoding)) problems.push(`the encoding must be one of ${ENCODINGS.join(', ')}`);
  if (format.header !== true) problems.push('only files with a header line are read');
  if (problems.length > 0) {
    throw adapterErrorFromIssues(
      ErrorCode.MappingInvalid,
      problems.map((p) => issue('error', IssueType.Invalid, `CSV format: ${p}`)),
    );
  }
}
