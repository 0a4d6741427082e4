import { isErrorIssue } from '../../errors/outcomes.ts';
import type { AdapterError } from '../../errors/adapter-error.ts';
import { ErrorCode } from '../../errors/error-codes.ts';
import { AckCode, ackRowFor } from './ack-codes.ts';
import type { AckHeader } from './ack-header.ts';
import { defaultControlIds, type ControlIdGenerator } from './control-id.ts';
import { buildErrSegments } from './err-segment.ts';
import { escapeHl7, STANDARD_DELIMITERS } from './escape-hl7.ts';
import { formatHl7Timestamp } from './hl7-timestamp.ts';
import { DEFAULT_ACK_VERSION, versionAtLeast } from './hl7-version-order.ts';

/** Segment terminator of everything we write. */
export const SEGMENT_END = '\r';

/** Longest MSA-3 we write; it is a summary, the detail is in ERR. */
const MAX_MSA_TEXT = 80;

/** Who we are, for headers we cannot copy from the received message. */
export interface AckIdentity {
  /** Our application name (MSH-3 of an ACK when the received MSH-5 is empty). Default `STUDYBRIDGE`. */
  application?: string;
  /** Our facility (MSH-4 of an ACK when the received MSH-6 is empty). */
  facility?: string;
}

/** Options of {@link buildAck}. */
export interface BuildAckOptions {
  /** MSA-1. */
  code: AckCode;
  /** The error acknowledged, for MSA-3 and ERR (with AE, AR, CE, CR). */
  error?: AdapterError;
  /** MSA-3 instead of the first error's diagnostics. */
  text?: string;
  /** Time for MSH-7; default now. */
  now?: Date;
  /** Source of MSH-10; default a process-wide generator. */
  controlIds?: ControlIdGenerator;
  /** Our identity, used where the received header is empty or absent. */
  identity?: AckIdentity;
}

const isNegative = (code: AckCode): boolean => code !== AckCode.ApplicationAccept && code !== AckCode.CommitAccept;

/**
 * Builds an HL7 v2 acknowledgment (ER7, each segment ended by CR) for a received message.
 *
 * The ACK speaks the received message's dialect: the same MSH-1 and MSH-2, its MSH-11, MSH-12 and MSH-18, and
 * sender and receiver swapped (MSH-3/4 are the received MSH-5/6, MSH-5/6 the received MSH-3/4, copied raw since
 * the delimiters are the same). MSH-7 is now, MSH-9 `ACK^<trigger>^ACK` (the structure component from v2.3.1),
 * MSH-10 a new control ID, MSA-2 the received MSH-10. In enhanced mode the ACK's own MSH-15/16 say NE, as an
 * acknowledgment is never acknowledged. Negative ACKs carry ERR segments (see `buildErrSegments`) and, up to
 * v2.6 (MSA-3 is withdrawn in 2.7), a short MSA-3.
 *
 * Without a header (the frame holds no readable MSH), a minimal ACK is built: `|^~\&`, our identity as sender,
 * no receiver, processing ID P, version 2.5.1, empty MSA-2.
 * @param header - The received message's header, or undefined when it could not be read.
 * @param options - Code, error, time and control ID source.
 * @returns The ACK text.
 */
export function buildAck(header: AckHeader | undefined, options: BuildAckOptions): string {
  const d = header?.delimiters ?? STANDARD_DELIMITERS;
  const version = header?.version || DEFAULT_ACK_VERSION;
  const identity = options.identity ?? {};
  const ours = (s: string | undefined): string => escapeHl7(s ?? '', d);
  const enhanced = !!header && (header.acceptAckType !== '' || header.applicationAckType !== '');
  const trigger = header?.triggerEvent ?? '';
  const type = versionAtLeast(version, '2.3.1')
    ? ['ACK', trigger, 'ACK'].join(d.component)
    : trigger
      ? ['ACK', trigger].join(d.component)
      : 'ACK';
  const msh = [
    'MSH',
    header?.encodingCharacters ?? `${d.component}${d.repetition}${d.escape}${d.subcomponent}`,
    header?.receivingApplication || ours(identity.application ?? 'STUDYBRIDGE'),
    header?.receivingFacility || ours(identity.facility),
    header?.sendingApplication ?? '',
    header?.sendingFacility ?? '',
    formatHl7Timestamp(options.now ?? new Date()),
    '',
    type,
    (options.controlIds ?? defaultControlIds)(),
    header?.processingId || 'P',
    header?.versionField || DEFAULT_ACK_VERSION,
    '',
    '',
    enhanced ? 'NE' : '',
    enhanced ? 'NE' : '',
    '',
    header?.charsetField ?? '',
  ];
  const segments = [joinTrimmed(msh, d.field)];

  const negative = isNegative(options.code);
  const firstError = options.error?.outcome.issue?.find(isErrorIssue);
  const summary = options.text ?? (negative ? (firstError?.diagnostics ?? options.error?.code ?? '') : '');
  const msaText = versionAtLeast(version, '2.7') ? '' : ours(truncate(summary, MAX_MSA_TEXT));
  segments.push(joinTrimmed(['MSA', options.code, header?.controlId ?? '', msaText], d.field));

  if (negative) {
    const errorCode = options.error?.code ?? ErrorCode.Internal;
    segments.push(
      ...buildErrSegments({
        issues: options.error?.outcome.issue ?? [],
        errorCode,
        hl7ErrorCode: ackRowFor(errorCode).hl7ErrorCode,
        version,
        delimiters: d,
      }),
    );
  }
  return segments.map((s) => s + SEGMENT_END).join('');
}

function joinTrimmed(fields: string[], sep: string): string {
  const f = fields.slice();
  while (f.length > 2 && f[f.length - 1] === '') f.pop();
  // MSH-1 is the separator itself: `MSH` + sep + MSH-2 + ..., which a plain join already produces.
  return f.join(sep);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}
