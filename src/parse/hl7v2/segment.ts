import type { Hl7Charset } from './charsets.ts';
import { unescapeHl7 } from './unescape.ts';
import type { EncodingCharacters, Hl7Location, Hl7Segment } from './types.ts';

/** What a segment needs from its message to read values. */
export interface SegmentContext {
  readonly encoding: EncodingCharacters;
  /** Charset for `\X..\` escapes; undefined keeps them verbatim. */
  readonly charset: Hl7Charset | undefined;
}

const isIndex = (n: number): boolean => Number.isInteger(n) && n >= 1;

/**
 * The `n`-th (1-based) piece of `text` between separators, found with indexOf so no array is allocated.
 * @returns The piece, '' when there are fewer pieces.
 */
function piece(text: string, sep: string, n: number): string {
  if (!isIndex(n)) return '';
  let start = 0;
  for (let k = 1; k < n; k++) {
    const i = text.indexOf(sep, start);
    if (i < 0) return '';
    start = i + 1;
  }
  const end = text.indexOf(sep, start);
  if (end < 0) return start === 0 ? text : text.slice(start);
  return text.slice(start, end);
}

/**
 * One segment of a message. The line is split into fields only when a field is first read, and components
 * are located by scanning, so a message whose mapping reads 60 fields pays for those fields only.
 */
export class Segment implements Hl7Segment {
  readonly id: string;
  readonly index: number;
  readonly occurrence: number;
  readonly #line: string;
  readonly #ctx: SegmentContext;
  /** 1 for MSH/FHS/BHS, whose field 1 is the separator itself and so is not between separators. */
  readonly #shift: number;
  #fields: string[] | undefined;

  /**
   * @param line - The segment text (no terminator).
   * @param index - 0-based position in the message.
   * @param occurrence - 1-based occurrence of this ID in the message.
   * @param ctx - Encoding characters and charset of the message.
   */
  constructor(line: string, index: number, occurrence: number, ctx: SegmentContext) {
    this.id = line.slice(0, 3);
    this.index = index;
    this.occurrence = occurrence;
    this.#line = line;
    this.#ctx = ctx;
    this.#shift = this.id === 'MSH' || this.id === 'FHS' || this.id === 'BHS' ? 1 : 0;
  }

  #split(): string[] {
    return (this.#fields ??= this.#line.split(this.#ctx.encoding.field));
  }

  /** Number of fields present, counting trailing empty ones that have a separator. */
  get fieldCount(): number {
    return this.#split().length - 1 + this.#shift;
  }

  /** The raw (still escaped) text of a field, all repetitions; '' when absent. */
  rawField(field: number): string {
    if (!isIndex(field)) return '';
    if (this.#shift === 1 && field === 1) return this.#ctx.encoding.field;
    return this.#split()[field - this.#shift] ?? '';
  }

  /** Decoded text at a position; see {@link Hl7Segment.get}. */
  get(field: number, component?: number, subcomponent?: number, repetition = 1): string {
    const raw = this.rawField(field);
    if (raw === '') return '';
    if (this.#shift === 1 && field <= 2) {
      // The delimiters themselves: splitting or unescaping them would destroy them.
      return (component ?? 1) === 1 && (subcomponent ?? 1) === 1 && repetition === 1 ? raw : '';
    }
    const enc = this.#ctx.encoding;
    let text = repetition === 1 && !raw.includes(enc.repetition) ? raw : piece(raw, enc.repetition, repetition);
    if (component !== undefined || subcomponent !== undefined) {
      text = piece(text, enc.component, component ?? 1);
      if (subcomponent !== undefined) text = piece(text, enc.subcomponent, subcomponent);
    }
    return text === '' ? '' : unescapeHl7(text, enc, this.#ctx.charset);
  }

  /** Number of repetitions of a field (0 when empty). */
  repetitions(field: number): number {
    const raw = this.rawField(field);
    if (raw === '') return 0;
    if (this.#shift === 1 && field <= 2) return 1;
    const sep = this.#ctx.encoding.repetition;
    let count = 1;
    for (let i = raw.indexOf(sep); i >= 0; i = raw.indexOf(sep, i + 1)) count++;
    return count;
  }

  /** This segment plus the given position, for errors. */
  at(field?: number, component?: number, subcomponent?: number, repetition?: number): Hl7Location {
    const loc: Hl7Location = { segment: this.id, occurrence: this.occurrence };
    if (field !== undefined) loc.field = field;
    if (repetition !== undefined) loc.repetition = repetition;
    if (component !== undefined) loc.component = component;
    if (subcomponent !== undefined) loc.subcomponent = subcomponent;
    return loc;
  }

  /** The segment text as received (after charset decoding), still escaped. */
  toString(): string {
    return this.#line;
  }
}
