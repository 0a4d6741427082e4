import type { OperationOutcome } from '@medplum/fhirtypes';
import type { DeliveryTarget, SendOutcome } from '../deliver/delivery-target.ts';
import type { EmbeddedFhir } from './embedded-fhir.ts';

/**
 * Delivers transaction Bundles to the embedded FHIR server in process (no HTTP). A refused Bundle (validation,
 * a conflict, an unsupported parameter: any 4xx but 408/429) is permanent; a server-side failure (5xx, such as a
 * busy or failing SQLite file, or a closed server during shutdown) is worth retrying.
 */
export class EmbeddedFhirTarget implements DeliveryTarget {
  readonly description = 'embedded';
  private readonly fhir: EmbeddedFhir;

  /** @param fhir - The open embedded server. */
  constructor(fhir: EmbeddedFhir) {
    this.fhir = fhir;
  }

  async send(bundle: string, signal?: AbortSignal): Promise<SendOutcome> {
    if (signal?.aborted) return { kind: 'retry', outcome: problem('exception', 'Delivery aborted') };
    try {
      const { status, body } = await this.fhir.transaction(bundle);
      if (status >= 200 && status < 300) return { kind: 'delivered', status };
      const outcome = isOutcome(body) ? body : problem('exception', `Embedded FHIR server answered ${status}`);
      if (status === 408 || status === 429 || status >= 500) return { kind: 'retry', status, outcome };
      return { kind: 'permanent', status, outcome };
    } catch (err) {
      // handle() answers every failure; reaching here means the server itself is unusable (e.g. closed).
      const name = err instanceof Error ? err.name : typeof err;
      return { kind: 'retry', outcome: problem('transient', `Embedded FHIR server failed (${name})`) };
    }
  }

  async ping(): Promise<boolean> {
    try {
      await this.fhir.repository.searchResources({ resourceType: 'Patient', count: 1 });
      return true;
    } catch {
      return false;
    }
  }
}

function isOutcome(body: unknown): body is OperationOutcome {
  return (body as { resourceType?: unknown } | null)?.resourceType === 'OperationOutcome';
}

function problem(code: 'exception' | 'transient', diagnostics: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] };
}
