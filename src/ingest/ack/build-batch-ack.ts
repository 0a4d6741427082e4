import type { RawHeaderSegment } from './ack-header.ts';
import type { AckIdentity } from './build-ack.ts';
import { SEGMENT_END } from './build-ack.ts';
import { defaultControlIds, type ControlIdGenerator } from './control-id.ts';
import { delimitersOf, escapeHl7 } from './escape-hl7.ts';
import { formatHl7Timestamp } from './hl7-timestamp.ts';

/** The envelope of a received batch: its FHS and BHS, when sent (a parsed batch's `headers`, or `readHeaderSegment`). */
export interface BatchEnvelope {
  fhs?: RawHeaderSegment;
  bhs?: RawHeaderSegment;
}

/** Options of {@link buildBatchAck}. */
export interface BuildBatchAckOptions {
  /** Time for FHS-7/BHS-7; default now. */
  now?: Date;
  /** Source of FHS-11/BHS-11; default a process-wide generator. */
  controlIds?: ControlIdGenerator;
  /** Our identity, used where the received header names no receiver. */
  identity?: AckIdentity;
}

function header(
  id: 'FHS' | 'BHS',
  received: RawHeaderSegment | undefined,
  fallback: RawHeaderSegment | undefined,
  options: BuildBatchAckOptions,
): string {
  const src = received ?? fallback;
  const sep = src?.rawField(1) || '|';
  const enc = src?.rawField(2) || '^~\\&';
  const d = delimitersOf(sep, enc);
  const raw = (n: number): string => received?.rawField(n) ?? '';
  const fields = [
    id,
    enc,
    raw(5) || escapeHl7(options.identity?.application ?? 'STUDYBRIDGE', d),
    raw(6) || escapeHl7(options.identity?.facility ?? '', d),
    raw(3),
    raw(4),
    formatHl7Timestamp(options.now ?? new Date()),
    '',
    '',
    '',
    (options.controlIds ?? defaultControlIds)(),
    raw(11),
  ];
  while (fields.length > 2 && fields[fields.length - 1] === '') fields.pop();
  return fields.join(sep);
}

/**
 * Wraps the acknowledgments of a batch's messages in a batch of their own, as HL7 v2 chapter 2 ("acknowledging
 * batches") allows: the response batch holds one ACK per message (we acknowledge every message rather than only
 * the failed ones, so a sender never has to infer an acceptance from an absence), and its BHS-12 (FHS-12) names
 * the received BHS-11 (FHS-11). The header swaps sender and receiver like an ACK's MSH; BTS-1 counts the ACKs,
 * FTS-1 the one batch. An FHS/FTS pair is written only when the received input had an FHS.
 * @param envelope - The received FHS and/or BHS.
 * @param acks - ACK texts, each ended by CR (from `buildAck`), in message order.
 * @param options - Time, control IDs, identity.
 * @returns The response batch text.
 */
export function buildBatchAck(
  envelope: BatchEnvelope,
  acks: readonly string[],
  options: BuildBatchAckOptions = {},
): string {
  const sep = (envelope.bhs ?? envelope.fhs)?.rawField(1) || '|';
  const out: string[] = [];
  if (envelope.fhs) out.push(header('FHS', envelope.fhs, undefined, options) + SEGMENT_END);
  out.push(header('BHS', envelope.bhs, envelope.fhs, options) + SEGMENT_END);
  out.push(...acks);
  out.push(['BTS', String(acks.length)].join(sep) + SEGMENT_END);
  if (envelope.fhs) out.push(['FTS', '1'].join(sep) + SEGMENT_END);
  return out.join('');
}
