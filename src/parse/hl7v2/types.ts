import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { AdapterError } from '../../errors/adapter-error.ts';

/**
 * The contract of the HL7 v2 (ER7) parse stage. Everything downstream (mapping, ACKs) sees messages only
 * through these types, so the tokenizer underneath can change without touching the mapping engine.
 *
 * Indexing follows HL7 notation: fields, components and subcomponents are 1-based (`OBX.5.1`), repetitions
 * are 1-based too. Every value returned is already unescaped with the message's own encoding characters.
 *
 * HL7 "explicit null" (`""`, two double quotes) is NOT turned into '' or undefined: accessors return the two
 * quote characters, because "the sender erased this value" and "the sender said nothing" mean different
 * things to the mapping stage (see {@link isHl7Null}).
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
   * Decoded (unescaped) text at a position; '' when absent or when an index is not a positive integer.
   * Without a component, a field's repetition is returned whole, still holding its component and
   * subcomponent separators (unescaped only inside components, so an escaped `\S\` and a real `^` look the
   * same: ask for components when structure matters). With component but no subcomponent, the whole
   * component is returned (subcomponent separators kept). For MSH, FHS and BHS, field 1 is the field
   * separator and field 2 the encoding characters, both returned as sent (never unescaped).
   * HL7 null `""` is returned as the two quote characters.
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
  /** MSH-12.1, e.g. `2.5.1`. Any value is accepted here; see `isSupportedHl7Version`. */
  readonly version: string;
  /** MSH-18 first repetition as sent, '' when absent (ASCII implied). */
  readonly charset: string;
  /** All segments with this ID, in order (empty when none). */
  all(id: string): readonly Hl7Segment[];
  /** The first segment with this ID, if any. */
  first(id: string): Hl7Segment | undefined;
}

/** Options of the parse stage. */
export interface ParseOptions {
  /** Largest accepted input in bytes; larger input fails with `parse.too-large`. Default 16 MiB. */
  maxBytes?: number;
  /** Charset used when MSH-18 is empty, as an MSH-18 value (e.g. `8859/1`). Default: UTF-8 (a superset of the ASCII that HL7 implies). */
  defaultCharset?: string;
}

/** One message of a batch: parsed, or failed on its own without affecting its neighbours. */
export type Hl7BatchItem =
  | {
      /** 0-based position of the message (MSH) within the input. */
      index: number;
      ok: true;
      message: Hl7Message;
    }
  | {
      /** 0-based position of the message (MSH) within the input. */
      index: number;
      ok: false;
      error: AdapterError;
      /** The message's segments joined by CR, for quarantine or a negative ACK. */
      text: string;
      /** MSH-10 when it could still be read. */
      controlId?: string;
    };

/** A batch file (FHS/BHS ... BTS/FTS) or a lone message, split into messages. */
export interface Hl7BatchResult {
  /** Header segments (FHS, BHS) in input order; empty for a lone message. */
  readonly headers: readonly Hl7Segment[];
  /** Trailer segments (BTS, FTS) in input order. */
  readonly trailers: readonly Hl7Segment[];
  /** Counts as declared: `batch` is the sum of BTS-1 (messages), `file` is FTS-1 (batches). Absent when not sent. */
  readonly declaredCounts: { batch?: number; file?: number };
  /** One item per MSH found, in input order. */
  readonly items: readonly Hl7BatchItem[];
  /** Problems that do not stop processing: count mismatches, missing trailers, stray segments. */
  readonly warnings: readonly OperationOutcomeIssue[];
}
