/**
 * Types of the CSV reading layer: how a file is written (from its layout) and what reading it yields. The layer
 * turns bytes into records with exact line numbers; mapping columns to FHIR is a later stage's work.
 */

/** Field delimiters a file may use (and that a wrong-delimiter check tries). */
export const CSV_DELIMITERS = [',', ';', '\t', '|'] as const;
/** One of {@link CSV_DELIMITERS}. */
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

/** Text encodings a CSV file may be written in. */
export const CSV_ENCODINGS = ['utf-8', 'latin1', 'windows-1252'] as const;
/** One of {@link CSV_ENCODINGS}. */
export type CsvEncoding = (typeof CSV_ENCODINGS)[number];

/**
 * How a file is written; comes from the layout file (a layout's `format` is assignable to it).
 * `latin1` is ISO-8859-1, every byte its own code point; `windows-1252` differs from it in 0x80–0x9F (0x80 is €).
 */
export interface CsvFormat {
  /** Field delimiter: `,` `;` tab or `|`. */
  delimiter: string;
  /** Quote character, usually `"`; a quote inside a quoted field is written twice. */
  quote: string;
  encoding: CsvEncoding;
  /** Layouts always have a header row; only `true` is supported. */
  header: true;
}

/** Why a row was not read as a record; the row is reported and reading goes on with the next one. */
export const CsvProblem = {
  /** The row has more or fewer fields than the header. */
  RaggedRow: 'ragged-row',
  /** With `utf-8`, the row's bytes are not valid UTF-8. */
  InvalidEncoding: 'invalid-encoding',
  /** A quoted field has text after its closing quote (`"abc"x`), so where the field ends is ambiguous. */
  InvalidQuote: 'invalid-quote',
} as const;
/** One of the {@link CsvProblem} values. */
export type CsvProblemCode = (typeof CsvProblem)[keyof typeof CsvProblem];

/** The header line: trimmed column names. */
export interface CsvHeaderItem {
  kind: 'header';
  /** 1-based physical line where the header starts. */
  line: number;
  names: string[];
}

/** A row read as a record: as many fields as the header has names. */
export interface CsvRecordItem {
  kind: 'record';
  /** 1-based physical line where the record starts (a quoted field may span lines). */
  line: number;
  /** The parsed values, quotes removed, not trimmed. */
  fields: string[];
  /** The record's text as in the file, without its line break, e.g. for an errors CSV. */
  raw: string;
}

/** A row that could not be read as a record. */
export interface CsvProblemItem {
  kind: 'problem';
  /** 1-based physical line where the row starts. */
  line: number;
  code: CsvProblemCode;
  /** What is wrong, naming the line; never quotes the row's content. */
  message: string;
  /**
   * The row's text as in the file, without its line break. For `invalid-encoding` the invalid bytes read as
   * U+FFFD, as no string can hold them.
   */
  raw: string;
  /** The values as the parser split them, when it could. */
  fields?: string[];
}

/** What `readCsv` yields: first the header, then one item per non-empty row, in file order. */
export type CsvItem = CsvHeaderItem | CsvRecordItem | CsvProblemItem;

/** Limits of `readCsv`. */
export interface ReadCsvOptions {
  /**
   * Longest record accepted, in bytes (roughly: decoded characters of finished fields plus bytes of the current
   * one). Bounds memory when a quote is never closed. Default 1 MiB.
   */
  maxRecordBytes?: number;
}
