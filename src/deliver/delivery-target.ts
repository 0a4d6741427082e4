import type { OperationOutcome } from '@medplum/fhirtypes';

/** What happened to one transaction Bundle sent to a FHIR server. */
export type SendOutcome =
  | { kind: 'delivered'; status: number }
  /** Worth retrying later: network error, timeout, 408, 429, 5xx. */
  | { kind: 'retry'; status?: number; retryAfterMs?: number; outcome: OperationOutcome }
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
