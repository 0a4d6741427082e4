import type { AdapterError } from '../errors/adapter-error.ts';
import type { ReceiveResult, ReceivedMessage } from '../pipeline/receive.ts';
import {
  ackHeaderFromSegment,
  buildAck,
  buildBatchAck,
  decideAcks,
  encodeAck,
  readHeader,
  readHeaderSegment,
  type AckHeader,
  type AckIdentity,
  type ControlIdGenerator,
} from './ack/index.ts';
import { startsWithBatchHeader } from '../parse/hl7v2/index.ts';

/** Options of {@link acknowledgeResult}. */
export interface AcknowledgeOptions {
  identity?: AckIdentity;
  controlIds?: ControlIdGenerator;
  now?: Date;
}

/** The acknowledgments for one input, as HL7 text: one entry per frame to send (enhanced mode may give two). */
export interface Acknowledgments {
  /** MSA-1 of each ACK, in order (a batch lists every message's). */
  codes: string[];
  texts: string[];
  /** Each text encoded in the message's character set (MSH-18), ready to frame or send. */
  bytes: Buffer[];
}

/**
 * Answers one received input (a message or a batch) per the standard: original or enhanced mode per MSH-15/16,
 * with AE/AR and ERR segments for failures, and AR/CR when the store could not take it. A batch gets one ACK per
 * message inside a response batch. The transport decides how to carry the texts (MLLP frames, an HTTP body).
 */
export function acknowledgeResult(
  raw: Uint8Array,
  result: ReceiveResult,
  options: AcknowledgeOptions = {},
): Acknowledgments {
  const buildOptions = { identity: options.identity, controlIds: options.controlIds, now: options.now };
  if (startsWithBatchHeader(raw)) {
    const acks = result.messages.flatMap((m) => ackTexts(headerOf(m, undefined), m, result, buildOptions));
    const fhs = readHeaderSegment(raw, 'FHS');
    const bhs = readHeaderSegment(raw, 'BHS');
    const texts = acks.map((a) => a.text);
    const text = buildBatchAck({ ...(fhs ? { fhs } : {}), ...(bhs ? { bhs } : {}) }, texts, buildOptions);
    return { codes: acks.map((a) => a.code), texts: [text], bytes: [encodeAck(text).bytes] };
  }
  const only = result.messages[0];
  const acks = only
    ? ackTexts(headerOf(only, raw), only, result, buildOptions)
    : [{ code: 'AR', text: buildAck(readHeader(raw), { ...buildOptions, code: 'AR', ...storeErrorOf(result) }) }];
  const texts = acks.map((a) => a.text);
  return { codes: acks.map((a) => a.code), texts, bytes: texts.map((t) => encodeAck(t).bytes) };
}

function ackTexts(
  header: AckHeader | undefined,
  m: ReceivedMessage,
  result: ReceiveResult,
  buildOptions: { identity?: AckIdentity; controlIds?: ControlIdGenerator; now?: Date },
): { code: string; text: string }[] {
  const error: AdapterError | undefined = result.stored ? m.error : result.storeError;
  const codes = decideAcks({
    acceptAckType: header?.acceptAckType ?? '',
    applicationAckType: header?.applicationAckType ?? '',
    stored: result.stored,
    ...(error ? { error: error.code } : {}),
  });
  return codes.map((code) => ({
    code,
    text: buildAck(header, { ...buildOptions, code, ...(error ? { error } : {}) }),
  }));
}

function headerOf(m: ReceivedMessage, raw: Uint8Array | undefined): AckHeader | undefined {
  if (m.message) return ackHeaderFromSegment(m.message.header);
  if (m.text !== undefined) return readHeader(Buffer.from(m.text, 'utf8'));
  return raw ? readHeader(raw) : undefined;
}

function storeErrorOf(result: ReceiveResult): { error?: AdapterError } {
  return result.storeError ? { error: result.storeError } : {};
}
