import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import type { AdapterError } from '../errors/adapter-error.ts';
import { ERROR_CODE_SYSTEM, normalizeError, isErrorIssue } from '../errors/outcomes.ts';
import type { Logger } from '../observe/logger.ts';
import type { Metrics } from '../observe/metrics.ts';
import type { Hl7Message } from '../parse/hl7v2/types.ts';
import { MessageState, type MessageStore, type NewMessage, type Transport } from '../store/message-store.ts';
import type { ConvertedMessage, ConvertFn } from './convert-types.ts';

/** One message of a received input, after conversion and the durable write. */
export interface ReceivedMessage {
  /** 0-based position within the input (a batch holds several). */
  index: number;
  /** The parsed message, when it parsed: its header is what the acknowledgment answers. */
  message?: Hl7Message;
  /** The message's own text when it could be split out (batch items). */
  text?: string;
  /** MSH-10 when readable. */
  controlId?: string;
  /** True when it converted to a Bundle (the store then holds it for delivery). */
  ok: boolean;
  /** The content error (parse, map, validation) when not ok. */
  error?: AdapterError;
  /** Warnings on success, errors on failure. */
  outcome: OperationOutcome;
  /** Its row in the message store, once committed. */
  storedId?: number;
}

/** What happened to one input (an MLLP frame or an HTTP body). */
export interface ReceiveResult {
  /** True when every message was durably committed: only then may anything be acknowledged as accepted. */
  stored: boolean;
  /** Why the write failed, when it did (answered as a receiving-application error). */
  storeError?: AdapterError;
  messages: ReceivedMessage[];
}

/** Takes raw input from a transport, converts it, and commits each message (good or bad) to the store. */
export type Receive = (raw: Uint8Array, transport: Transport) => Promise<ReceiveResult>;

/** What {@link createReceiver} wires together. */
export interface ReceiverDeps {
  convert: ConvertFn;
  store: MessageStore;
  logger: Logger;
  metrics?: Metrics;
  /** Called after a commit that added deliverable messages (wakes the delivery worker). */
  onStored?: () => void;
  /** Clock, for tests. */
  now?: () => Date;
}

const encoder = new TextEncoder();

/**
 * Builds the receive use case: convert → commit → report. A message whose content fails is still committed
 * (state `failed`, kept for inspection and replay) and reported as failed, so the transport answers an
 * application error, never loses it, and never acknowledges what is not on disk.
 */
export function createReceiver(deps: ReceiverDeps): Receive {
  const labels = new SenderLabels();
  return async (raw, transport) => {
    const receivedAt = (deps.now?.() ?? new Date()).toISOString();
    const started = performance.now();
    const converted = await deps.convert(raw, { receivedAt });
    const seconds = (performance.now() - started) / 1000;

    const rows = converted.map((c) => toNewMessage(c, converted.length === 1 ? raw : undefined, transport, receivedAt));
    const messages: ReceivedMessage[] = converted.map((c) => ({
      index: c.index,
      ...(c.message ? { message: c.message } : {}),
      ...(c.text !== undefined ? { text: c.text } : {}),
      ...(c.controlId ? { controlId: c.controlId } : {}),
      ok: c.ok,
      ...(c.error ? { error: c.error } : {}),
      outcome: c.outcome,
    }));
    for (const c of converted) {
      const type = messageTypeOf(c.message) ?? 'unknown';
      const sender = labels.of(c.message);
      deps.metrics?.conversionSeconds.observe({ type }, seconds / converted.length);
      deps.metrics?.received.inc({ transport, type, sender });
      if (!c.ok) deps.metrics?.rejected.inc({ transport, type, sender, reason: c.error?.code ?? 'unknown' });
    }

    try {
      const ids = await deps.store.append(rows);
      ids.forEach((id, i) => (messages[i]!.storedId = id));
    } catch (err) {
      const storeError = normalizeError(err);
      deps.logger.error(
        { code: storeError.code, transport, messages: rows.length },
        'store write failed; not acknowledging',
      );
      return { stored: false, storeError, messages };
    }
    for (const m of messages) {
      deps.logger.info(
        { id: m.storedId, transport, controlId: m.controlId, ok: m.ok, ...(m.error ? { code: m.error.code } : {}) },
        m.ok ? 'message stored' : 'message stored as failed',
      );
    }
    if (messages.some((m) => m.ok)) deps.onStored?.();
    return { stored: true, messages };
  };
}

/**
 * The order key of a converted message: the Patient's conditional URL, so a correction for a patient never
 * overtakes its original. Without a Patient entry the message is delivered independently.
 */
export function orderKeyOf(bundle: Bundle | undefined): string | null {
  for (const entry of bundle?.entry ?? []) {
    if (entry.resource?.resourceType === 'Patient' && entry.request?.url) return entry.request.url;
  }
  return null;
}

function toNewMessage(
  c: ConvertedMessage,
  original: Uint8Array | undefined,
  transport: Transport,
  receivedAt: string,
): NewMessage {
  const header = c.message?.header;
  const sender = header ? `${header.get(3, 1)}|${header.get(4, 1)}` : '';
  // A lone message is kept byte for byte; a batch item keeps its own segments, so it can be replayed alone.
  const raw = original ?? encoder.encode(c.text ?? c.message?.text ?? '');
  return {
    transport,
    sender,
    controlId: c.controlId ?? null,
    messageType: messageTypeOf(c.message),
    receivedAt,
    raw,
    ...(c.ok && c.bundle
      ? { state: MessageState.Converted, bundle: JSON.stringify(c.bundle), orderKey: orderKeyOf(c.bundle) }
      : { state: MessageState.Failed, error: c.error ? withErrorCode(c.outcome, c.error.code) : c.outcome }),
  };
}

/**
 * Tags each error issue with studybridge's error code (`details.coding`), so a stored outcome still says which
 * rule failed when it is listed or served later, away from the AdapterError that carried the code.
 */
export function withErrorCode(o: OperationOutcome, code: string): OperationOutcome {
  const coding = [{ system: ERROR_CODE_SYSTEM, code }];
  return {
    ...o,
    issue: (o.issue ?? []).map((i) => (isErrorIssue(i) && !i.details ? { ...i, details: { coding } } : i)),
  };
}

function messageTypeOf(message: Hl7Message | undefined): string | null {
  if (!message) return null;
  return message.triggerEvent ? `${message.messageCode}^${message.triggerEvent}` : message.messageCode || null;
}

/**
 * Metric labels for senders: MSH-3.1 when it looks like a name, capped at 50 distinct values so a stream of
 * odd headers cannot blow up the metric's cardinality.
 */
class SenderLabels {
  readonly #seen = new Set<string>();

  of(message: Hl7Message | undefined): string {
    const app = message?.header.get(3, 1) ?? '';
    if (!/^[A-Za-z0-9_.-]{1,40}$/.test(app)) return 'unknown';
    if (this.#seen.has(app)) return app;
    if (this.#seen.size >= 50) return 'other';
    this.#seen.add(app);
    return app;
  }
}
