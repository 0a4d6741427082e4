import { createWriteStream, type WriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import path from 'node:path';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { CsvEncoding, CsvFormat } from '../../ingest/csv/index.ts';
import { ERROR_COLUMN, quoteField } from '../../pipeline/convert-csv.ts';

/** @returns The default errors file of an input: `<dir>/<basename>.errors.csv`. */
export function defaultErrorsFile(input: string): string {
  const base = path.basename(input, path.extname(input)) || 'input';
  return path.join(path.dirname(input), `${base}.errors.csv`);
}

/**
 * The line break a file uses, judged by its first line, so the errors file of a Windows export has CRLF too.
 * @param file - The input.
 * @returns `\r\n` or `\n`.
 */
export async function lineBreakOf(file: string): Promise<string> {
  const handle = await open(file);
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(64 * 1024), 0, 64 * 1024, 0);
    const lf = buffer.subarray(0, bytesRead).indexOf(0x0a);
    return lf > 0 && buffer[lf - 1] === 0x0d ? '\r\n' : '\n';
  } finally {
    await handle.close();
  }
}

/**
 * One rejected row as a line of text: `line 14, column 'HbA1c (%)': not a number`, with the FHIR path of a
 * validation problem in parentheses. Reasons name lines and columns, never the cell's value.
 * @param issue - An issue of a rejected row's outcome.
 * @returns The line.
 */
export function rowIssueText(issue: OperationOutcomeIssue): string {
  const where = issue.expression ?? [];
  const place = where.find((e) => /^line \d+/.test(e));
  const others = where.filter((e) => e !== place);
  let reason = issue.diagnostics ?? issue.details?.text ?? issue.code;
  // The reader's own messages already start with the line; it is not said twice.
  if (place && reason.toLowerCase().startsWith(`${place}:`)) reason = reason.slice(place.length + 1).trimStart();
  return `${place ?? 'row'}${others.length ? ` (${others.join(', ')})` : ''}: ${reason}`;
}

/**
 * The errors CSV of an import: the file's header plus an `import_error` column, then each rejected row's original
 * text plus its reasons, in the layout's delimiter, quote and encoding. Layouts ignore the `import_error` column,
 * so once the rows are fixed the file imports with the same layout. Nothing is created until a row is rejected.
 */
export class ErrorsCsv {
  /** Rows written so far. */
  rows = 0;
  readonly file: string;
  private readonly format: CsvFormat;
  private readonly lineBreak: string;
  private out: WriteStream | undefined;

  /**
   * @param file - Where to write.
   * @param format - The layout's format.
   * @param lineBreak - The input's line break (see {@link lineBreakOf}).
   */
  constructor(file: string, format: CsvFormat, lineBreak = '\n') {
    this.file = file;
    this.format = format;
    this.lineBreak = lineBreak;
  }

  /**
   * Removes the errors file an earlier run left: the file always belongs to the latest run, and an old one would
   * list rows that may since have been fixed.
   */
  async removeStale(): Promise<void> {
    await rm(this.file, { force: true });
  }

  /**
   * Appends one rejected row.
   * @param unitText - The rejected unit's text: the header, a line break, the row (see `CsvEvent`).
   * @param raw - The row's original text.
   * @param issues - Why it was rejected.
   */
  async add(unitText: string, raw: string, issues: readonly OperationOutcomeIssue[]): Promise<void> {
    const { delimiter, quote } = this.format;
    if (!this.out) {
      this.out = createWriteStream(this.file);
      const header = unitText.slice(0, unitText.length - raw.length - 1);
      await this.write(`${header}${delimiter}${quoteField(ERROR_COLUMN, delimiter, quote)}${this.lineBreak}`);
    }
    const reasons = issues.map(rowIssueText).join('; ');
    await this.write(`${raw}${delimiter}${quoteField(reasons, delimiter, quote)}${this.lineBreak}`);
    this.rows++;
  }

  /** Finishes the file (nothing happens when no row was rejected). */
  async close(): Promise<void> {
    const out = this.out;
    if (!out) return;
    out.end();
    // Rejects with the stream's error (a missing directory, a full disk), even one raised before.
    await finished(out);
  }

  private async write(text: string): Promise<void> {
    const out = this.out!;
    if (out.errored) throw out.errored;
    // Waiting for drain keeps memory flat however many rows are rejected; `once` rejects on an error meanwhile.
    if (!out.write(encode(text, this.format.encoding))) await once(out, 'drain');
  }
}

/** windows-1252's characters at 0x80–0x9F, to write them back as the bytes they were read from. */
const CP1252_HIGH = new TextDecoder('windows-1252').decode(Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i));

/**
 * @returns The text in the file's encoding. The rows were read from a file in this encoding, so every character
 *   fits; anything else (only a reason could hold it) becomes `?`.
 */
function encode(text: string, encoding: CsvEncoding): Buffer {
  if (encoding === 'utf-8') return Buffer.from(text, 'utf8');
  const bytes = Buffer.alloc(text.length);
  let n = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    const high = encoding === 'windows-1252' ? CP1252_HIGH.indexOf(ch) : -1;
    bytes[n++] = high >= 0 && code > 0xff ? 0x80 + high : code <= 0xff ? code : 0x3f;
  }
  return bytes.subarray(0, n);
}
