import type { Hl7Delimiters } from './escape-hl7.ts';
import { delimitersOf } from './escape-hl7.ts';

/**
 * What an ACK needs from the message it answers, as sent (fields still escaped in the message's own delimiters,
 * so they can be copied into the ACK unchanged). Built from a parsed MSH ({@link ackHeaderFromSegment}) or read
 * straight from raw bytes when the message cannot be parsed (`readHeader`).
 */
export interface AckHeader {
  /** The delimiters declared in MSH-1 and MSH-2. */
  readonly delimiters: Hl7Delimiters;
  /** MSH-2 exactly as sent (4 or 5 characters). */
  readonly encodingCharacters: string;
  /** MSH-3 .. MSH-6, raw. */
  readonly sendingApplication: string;
  readonly sendingFacility: string;
  readonly receivingApplication: string;
  readonly receivingFacility: string;
  /** MSH-9.1 and MSH-9.2, raw. */
  readonly messageCode: string;
  readonly triggerEvent: string;
  /** MSH-10, raw. */
  readonly controlId: string;
  /** MSH-11, raw (all components). */
  readonly processingId: string;
  /** MSH-12, raw (all components). */
  readonly versionField: string;
  /** MSH-12.1, e.g. `2.5.1`. */
  readonly version: string;
  /** MSH-15 and MSH-16 (table 0155), trimmed and upper-cased; '' when empty. */
  readonly acceptAckType: string;
  readonly applicationAckType: string;
  /** MSH-18, raw (all repetitions); '' when absent. */
  readonly charsetField: string;
}

/** The least a header segment must offer: its ID and its raw fields (an `Hl7Segment` qualifies). */
export interface RawHeaderSegment {
  readonly id: string;
  /** Raw text of a field; for MSH/BHS/FHS, field 1 is the field separator and field 2 the encoding characters. */
  rawField(field: number): string;
}

/**
 * @param raw - A raw field or component.
 * @param sep - The separator to split on.
 * @param n - 1-based piece.
 * @returns The n-th piece, '' when absent.
 */
export function pieceOf(raw: string, sep: string, n: number): string {
  let start = 0;
  for (let i = 1; i < n; i++) {
    const at = raw.indexOf(sep, start);
    if (at < 0) return '';
    start = at + sep.length;
  }
  const end = raw.indexOf(sep, start);
  return end < 0 ? raw.slice(start) : raw.slice(start, end);
}

/**
 * Collects what an ACK needs from an MSH segment.
 * @param msh - The parsed MSH (`message.header`) or a segment read by `readHeader`.
 * @returns The header.
 */
export function ackHeaderFromSegment(msh: RawHeaderSegment): AckHeader {
  const encodingCharacters = msh.rawField(2);
  const delimiters = delimitersOf(msh.rawField(1), encodingCharacters);
  const first = (field: number): string =>
    pieceOf(pieceOf(msh.rawField(field), delimiters.repetition, 1), delimiters.component, 1).trim();
  const type = msh.rawField(9);
  const versionField = msh.rawField(12);
  return {
    delimiters,
    encodingCharacters,
    sendingApplication: msh.rawField(3),
    sendingFacility: msh.rawField(4),
    receivingApplication: msh.rawField(5),
    receivingFacility: msh.rawField(6),
    messageCode: pieceOf(type, delimiters.component, 1),
    triggerEvent: pieceOf(type, delimiters.component, 2),
    controlId: msh.rawField(10),
    processingId: msh.rawField(11),
    versionField,
    version: pieceOf(versionField, delimiters.component, 1).trim(),
    acceptAckType: first(15).toUpperCase(),
    applicationAckType: first(16).toUpperCase(),
    charsetField: msh.rawField(18),
  };
}
