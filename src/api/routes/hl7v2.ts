import type { Bundle, BundleEntry, OperationOutcome } from '@medplum/fhirtypes';
import express, { Router } from 'express';
import { ErrorCode } from '../../errors/error-codes.ts';
import { issue, IssueType, outcome } from '../../errors/outcomes.ts';
import type { Receive, ReceiveResult, ReceivedMessage } from '../../pipeline/receive.ts';
import { Transport } from '../../store/message-store.ts';
import { httpStatusFor } from '../http-status.ts';
import { startsWithBatchHeader } from '../../parse/hl7v2/index.ts';

/** Media types accepted for an ER7 body (the first is the one HL7's HTTP guidance names). */
export const ER7_MEDIA_TYPES = ['x-application/hl7-v2+er7', 'application/hl7-v2', 'text/plain'] as const;

/** Builds the ER7 acknowledgment(s) for a result: one ACK, or a batch of ACKs for a batch. */
export type Acknowledge = (result: ReceiveResult, raw: Uint8Array) => { text: string; bytes: Uint8Array };

/** What the route needs. */
export interface Hl7v2RouteDeps {
  receive: Receive;
  acknowledge: Acknowledge;
  maxBodyBytes: number;
}

/**
 * `POST /hl7v2`: one message or a batch as an ER7 body. Answers with the HL7 acknowledgment, or, when the
 * client asks for JSON, an OperationOutcome (a `batch-response` Bundle for a batch). The HTTP status says the
 * same as the ACK: 200 stored, 4xx content refused (still stored for inspection and replay), 503 not stored.
 */
export function hl7v2Route(deps: Hl7v2RouteDeps): Router {
  const router = Router();
  const body = express.raw({ type: [...ER7_MEDIA_TYPES], limit: deps.maxBodyBytes });
  router.post('/hl7v2', body, async (req, res) => {
    if (!Buffer.isBuffer(req.body)) {
      const reason = `send the message as ${ER7_MEDIA_TYPES.join(', ')}`;
      res
        .status(415)
        .type('application/fhir+json')
        .json(outcome([issue('error', IssueType.NotSupported, reason)]));
      return;
    }
    const raw = new Uint8Array(req.body.buffer, req.body.byteOffset, req.body.length);
    const result = await deps.receive(raw, Transport.Http);
    const batch = startsWithBatchHeader(raw);
    const status = statusOf(result, batch);
    const firstId = result.messages.find((m) => m.storedId !== undefined)?.storedId;
    if (firstId !== undefined) res.set('Location', `/messages/${firstId}`);
    const wantsJson = req.accepts([...ER7_MEDIA_TYPES, 'application/fhir+json', 'application/json']);
    if (wantsJson === 'application/fhir+json' || wantsJson === 'application/json') {
      res.status(status).type('application/fhir+json').json(jsonAnswer(result, batch));
      return;
    }
    const ack = deps.acknowledge(result, raw);
    res.status(status).type('x-application/hl7-v2+er7').send(Buffer.from(ack.bytes));
  });
  return router;
}

function statusOf(result: ReceiveResult, batch: boolean): number {
  if (!result.stored) return httpStatusFor(result.storeError?.code ?? ErrorCode.StoreWriteFailed);
  // A batch (even of one message): each message's status is in the answer.
  if (batch || result.messages.length !== 1) return 200;
  const only = result.messages[0]!;
  return only.ok ? 200 : httpStatusFor(only.error?.code ?? ErrorCode.Internal);
}

function jsonAnswer(result: ReceiveResult, batch: boolean): OperationOutcome | Bundle {
  if (!result.stored) return result.storeError!.outcome;
  if (!batch && result.messages.length === 1) return messageOutcome(result.messages[0]!);
  const entry: BundleEntry[] = result.messages.map((m) => ({
    response: {
      status: String(m.ok ? 200 : httpStatusFor(m.error?.code ?? ErrorCode.Internal)),
      ...(m.storedId !== undefined ? { location: `messages/${m.storedId}` } : {}),
      outcome: messageOutcome(m),
    },
  }));
  return { resourceType: 'Bundle', type: 'batch-response', entry };
}

function messageOutcome(m: ReceivedMessage): OperationOutcome {
  if (!m.ok) return m.outcome;
  const stored = issue('information', IssueType.Informational, `stored as message ${m.storedId}`);
  const others = (m.outcome.issue ?? []).filter((i) => i.diagnostics !== 'converted');
  return outcome([stored, ...others]);
}
