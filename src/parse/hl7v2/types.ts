/**
 * The contract of the HL7 v2 (ER7) parse stage. Everything downstream (mapping, ACKs) sees messages only
 * through these types, so the tokenizer underneath can change without touching the mapping engine.
 *
 * Indexing follows HL7 notation: fields, components and subcomponents are 1-based (`OBX.5.1`), repetitions
 * are 1-based too. Every value returned is already unescaped with the message's own encoding characters.
 */

/** The delimiters a message declares in MSH-1 and MSH-2. */
export interface EncodingCharacters {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
  /** HL7 2.7 truncation character, when MSH-2 has a fifth character. */
  truncation?: string;
}

/** A position in a message, precise enough to put into an ERR segment or an OperationOutcome. */
export interface Hl7Location {
  /** Segment ID, e.g. `OBX`. */
  segment: string;
  /** 1-based occurrence of this segment ID within the message (the 2nd OBX is 2). */
  occurrence: number;
  /** 1-based field number (MSH-1 is the field separator itself). */
  field?: number;
  /** 1-based repetition. */
  repetition?: number;
  /** 1-based component. */
  component?: number;
  /** 1-based subcomponent. */
  subcomponent?: number;
}

/** One segment, with safe accessors that never throw on absent parts. */
export interface Hl7Segment {
  /** Segment ID, e.g. `PID`. */
  readonly id: string;
  /** 0-based position of the segment in its message. */
  readonly index: number;
  /** 1-based occurrence of this segment ID within the message. */
  readonly occurrence: number;
  /** Number of fields present (the highest field number with any content or separator). */
  readonly fieldCount: number;
  /**
   * Decoded (unescaped) text at a position; '' when absent.
   * Without a component, a field's first repetition is returned whole, still holding its component and
   * subcomponent separators (unescaped only inside components). With component but no subcomponent, the
   * whole component is returned (subcomponent separators kept).
   */
  get(field: number, component?: number, subcomponent?: number, repetition?: number): string;
  /** Number of repetitions of a field (0 when empty). */
  repetitions(field: number): number;
  /** The raw (still escaped) text of a field, all repetitions. */
  rawField(field: number): string;
  /** Location helper for errors: this segment plus the given position. */
  at(field?: number, component?: number, subcomponent?: number, repetition?: number): Hl7Location;
}

/** A parsed HL7 v2 message. */
export interface Hl7Message {
  /** The message text after charset decoding and with segments joined by CR (what the sender meant). */
  readonly text: string;
  readonly encoding: EncodingCharacters;
  readonly segments: readonly Hl7Segment[];
  /** The MSH segment (always segments[0]). */
  readonly header: Hl7Segment;
  /** MSH-9.1, e.g. `ORU`. */
  readonly messageCode: string;
  /** MSH-9.2, e.g. `R01`. */
  readonly triggerEvent: string;
  /** MSH-9.3 when sent, e.g. `ORU_R01`. */
  readonly messageStructure: string;
  /** MSH-10. */
  readonly controlId: string;
  /** MSH-12.1, e.g. `2.5.1`. */
  readonly version: string;
  /** MSH-18 first repetition as sent, '' when absent (ASCII implied). */
  readonly charset: string;
  /** All segments with this ID, in order. */
  all(id: string): Hl7Segment[];
  /** The first segment with this ID, if any. */
  first(id: string): Hl7Segment | undefined;
}

/** Options of the parse stage. */
export interface ParseOptions {
  /** Largest accepted input in bytes; larger input fails with `parse.too-large`. Default 16 MiB. */
  maxBytes?: number;
  /** Charset used when MSH-18 is empty. Default: UTF-8 (a superset of the ASCII that HL7 implies). */
  defaultCharset?: string;
}

/** A batch file (FHS/BHS ... BTS/FTS) or a lone message, split into messages. */
export interface Hl7Batch {
  /** Header segments (FHS, BHS) as parsed segments, when present. */
  readonly headers: readonly Hl7Segment[];
  readonly messages: readonly Hl7Message[];
  /** BTS-1 / FTS-1 counts as declared, for checking. */
  readonly declaredCounts: { batch?: number; file?: number };
}
