import { baseUrlOf } from './http-fhir-target.ts';
import type { Bundle } from '@medplum/fhirtypes';
import type { AuthStrategy } from './auth.ts';
import { classifyNetworkError, classifyResponse, NetworkFailure, type HttpAnswer } from './classify-response.ts';
import type { SendOutcome } from './delivery-target.ts';

/** A sent transaction: the delivery decision and, when delivered, what the server answered. */
export interface TransactionReply {
  outcome: SendOutcome;
  /** The transaction-response, when the server sent one. */
  response?: Bundle;
  /**
   * A time (ms since epoch, on the server's clock) before which nothing of this transaction was written; lets a
   * no-op update be told from a real one (see `entryWrite`). Absent when the server's clock is not known.
   */
  writtenAfter?: number;
}

/**
 * A FHIR server that takes transaction Bundles and hands back its answer. The service's `DeliveryTarget` only
 * says whether a Bundle was delivered; a command that reports what was created and updated needs the answer.
 */
export interface TransactionSender {
  /** For messages: e.g. `https://hapi.example.org/fhir` or `embedded`. Never contains secrets. */
  readonly description: string;
  /** Sends one transaction Bundle (JSON text). Never throws: every failure is a {@link SendOutcome}. */
  send(bundle: string): Promise<TransactionReply>;
  /** Releases the server (closes the embedded database); idempotent. */
  close(): Promise<void>;
}

/** Options of {@link HttpTransactionSender}. */
export interface HttpTransactionSenderOptions {
  /** FHIR base URL; transactions are POSTed to it. */
  baseUrl: string;
  auth: AuthStrategy;
  /** Time allowed for one send, answer body included. Default 30 000 ms. */
  timeoutMs?: number;
}

const FHIR_JSON = 'application/fhir+json';
/** Margin for the `Date` header's whole seconds and for the server's clock moving between its write and its answer. */
const DATE_MARGIN_MS = 1000;

/**
 * Posts transactions to a FHIR server over HTTP(S) like `HttpFhirTarget` does (same classification, one fresh
 * token after a 401), and keeps the answer. The server's `Date` header, less the round trip, dates the
 * transaction on the server's own clock, so the client's clock never decides what counts as unchanged.
 */
export class HttpTransactionSender implements TransactionSender {
  readonly description: string;
  private readonly baseUrl: string;
  private readonly auth: AuthStrategy;
  private readonly timeoutMs: number;

  /** @param options - See {@link HttpTransactionSenderOptions}. */
  constructor(options: HttpTransactionSenderOptions) {
    ({ baseUrl: this.baseUrl, description: this.description } = baseUrlOf(options.baseUrl));
    this.auth = options.auth;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  async send(bundle: string): Promise<TransactionReply> {
    let started = Date.now();
    let result = await this.post(bundle);
    if ('answer' in result && result.answer.status === 401 && this.auth.invalidate(result.header)) {
      started = Date.now();
      result = await this.post(bundle);
    }
    if ('outcome' in result) return { outcome: result.outcome };
    const { answer } = result;
    const outcome = classifyResponse(answer, Date.now());
    if (outcome.kind !== 'delivered') return { outcome };
    const response = parseBundle(answer.body);
    const date = Date.parse(answer.headers.get('date') ?? '');
    const writtenAfter = Number.isNaN(date) ? undefined : date - (Date.now() - started) - DATE_MARGIN_MS;
    return {
      outcome,
      ...(response ? { response } : {}),
      ...(writtenAfter !== undefined ? { writtenAfter } : {}),
    };
  }

  async close(): Promise<void> {}

  private async post(
    bundle: string,
  ): Promise<{ answer: HttpAnswer; header: string | undefined } | { outcome: SendOutcome }> {
    const auth = await this.auth.authorize();
    if (!auth.ok) return { outcome: auth.outcome };
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const headers = new Headers({ 'User-Agent': 'studybridge', Accept: FHIR_JSON, 'Content-Type': FHIR_JSON });
    if (auth.header) headers.set('Authorization', auth.header);
    try {
      // Never follow redirects: fetch turns a POST into a GET on 301/302 (see HttpFhirTarget).
      const res = await fetch(this.baseUrl, {
        method: 'POST',
        headers,
        body: bundle,
        redirect: 'manual',
        signal: timeout,
      });
      return { answer: { status: res.status, headers: res.headers, body: await res.text() }, header: auth.header };
    } catch (err) {
      return { outcome: classifyNetworkError(timeout.aborted ? NetworkFailure.Timeout : NetworkFailure.Network, err) };
    }
  }
}

function parseBundle(text: string): Bundle | undefined {
  try {
    const json = JSON.parse(text) as { resourceType?: unknown } | null;
    return json?.resourceType === 'Bundle' ? (json as Bundle) : undefined;
  } catch {
    return undefined;
  }
}
