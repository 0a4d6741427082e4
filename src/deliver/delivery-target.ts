import type { OperationOutcome } from '@medplum/fhirtypes';

/**
 * Why a failed send is worth retrying; the retry policy and the worker treat the classes differently.
 * - `transient`: the target is down, overloaded or slow (network error, timeout, 408, 429, 5xx). Retried without
 *   limit by default: a server outage must never lose messages.
 * - `conflict`: this one Bundle collided with a concurrent write (409/412 on a conditional update). Usually gone on
 *   the next try; retried a bounded number of times, then dead-lettered, so a lasting conflict (e.g. a conditional
 *   update matching two resources) does not block its order key forever.
 * - `auth`: the credentials were refused (401/403, token endpoint rejecting the client). Not the message's fault,
 *   so it must not dead-letter the queue; retried with a long minimum delay until the configuration is fixed.
 * - `config`: the URL does not lead to a FHIR server that takes transactions (redirects, 404/405 without an
 *   OperationOutcome, HTML answers, 415). Same treatment as `auth`.
 */
export const RetryClass = {
  Transient: 'transient',
  Conflict: 'conflict',
  Auth: 'auth',
  Config: 'config',
} as const;
/** One of the {@link RetryClass} values. */
export type RetryClass = (typeof RetryClass)[keyof typeof RetryClass];

/** What happened to one transaction Bundle sent to a FHIR server. */
export type SendOutcome =
  | { kind: 'delivered'; status: number }
  /** Worth retrying later: network error, timeout, 408, 429, 5xx, refused credentials (see {@link RetryClass}). */
  | {
      kind: 'retry';
      status?: number;
      retryAfterMs?: number;
      /** Absent means `transient`. */
      retryClass?: RetryClass;
      outcome: OperationOutcome;
    }
  /** The server refused the content (4xx): retrying cannot help; goes to the dead letters with the server's outcome. */
  | { kind: 'permanent'; status: number; outcome: OperationOutcome };

/** A FHIR server that takes transaction Bundles: an external one over HTTP, or the embedded one in process. */
export interface DeliveryTarget {
  /** For logs and /ready: e.g. `https://hapi.example.org/fhir` or `embedded`. Never contains secrets. */
  readonly description: string;
  /** Sends one transaction Bundle (JSON text). Never throws: every failure is a {@link SendOutcome}. */
  send(bundle: string, signal?: AbortSignal): Promise<SendOutcome>;
  /** @returns True when the server answers (e.g. `GET metadata`). */
  ping(signal?: AbortSignal): Promise<boolean>;
}
