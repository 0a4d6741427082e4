/**
 * Reads a record's raw text the way the parser did, for what the parser does not report: how many physical
 * lines the record spans (csv-parse counts CRLF inside a quoted field as two lines), where a quote that is never
 * closed was opened, and whether a quoted field has text after its closing quote.
 */

const CR = 0x0d;
const LF = 0x0a;

/** What {@link scanRecord} found. */
export interface RecordScan {
  /** Line breaks in the text: CRLF inside quotes is one, and outside quotes (blank lines) each CR or LF is one. */
  breaks: number;
  /** 1-based field number of the first quoted field with text after its closing quote; 0 when none. */
  badQuoteField: number;
  /** When the text ends inside a quoted field: line breaks before its opening quote; else -1. */
  openQuoteBreaks: number;
}

/**
 * Scans a record's raw text. Outside quotes a quote opens a quoted field only at the start of a field (elsewhere
 * it is a plain character, as csv-parse reads it with `relax_quotes`); inside, a doubled quote is one quote.
 * Outside quotes, a line break only comes from blank lines the parser skipped or from the record's own ending,
 * and the parser keeps only the first byte of a CRLF there, so each CR or LF is one line.
 * @param text - The raw text, as csv-parse returns it.
 * @param quote - Char code of the quote character.
 * @param delimiter - Char code of the field delimiter.
 * @returns Line breaks, the first field with a misplaced closing quote, and an unclosed quote's position.
 */
export function scanRecord(text: string, quote: number, delimiter: number): RecordScan {
  let breaks = 0;
  let field = 1;
  let badQuoteField = 0;
  let openQuoteBreaks = -1;
  let quoting = false;
  let atFieldStart = true;
  let closed = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quoting) {
      if (c === quote) {
        if (text.charCodeAt(i + 1) === quote) {
          i++;
        } else {
          quoting = false;
          closed = true;
        }
      } else if (c === LF) {
        breaks++;
      } else if (c === CR) {
        breaks++;
        if (text.charCodeAt(i + 1) === LF) i++;
      }
      continue;
    }
    if (c === delimiter || c === CR || c === LF) {
      if (c === delimiter) field++;
      else breaks++;
      atFieldStart = true;
      closed = false;
      continue;
    }
    if (closed) {
      if (badQuoteField === 0) badQuoteField = field;
      closed = false;
    }
    if (c === quote && atFieldStart) {
      quoting = true;
      openQuoteBreaks = breaks;
    }
    atFieldStart = false;
  }
  return { breaks, badQuoteField, openQuoteBreaks: quoting ? openQuoteBreaks : -1 };
}

/** @returns How many CR or LF characters `text` starts with (blank lines the parser skipped before a record). */
export function leadingBreaks(text: string): number {
  let n = 0;
  while (n < text.length) {
    const c = text.charCodeAt(n);
    if (c !== CR && c !== LF) break;
    n++;
  }
  return n;
}

/** @returns True when `text` ends with CR or LF (the first byte of the record's line ending). */
export function endsWithBreak(text: string): boolean {
  const c = text.charCodeAt(text.length - 1);
  return c === CR || c === LF;
}
