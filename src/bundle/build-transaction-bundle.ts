import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import type { MappedMessage } from '../map/map-message.ts';

/** Options of {@link buildTransactionBundle}. */
export interface BundleOptions {
  /** MSH-10 of the source message. */
  controlId: string;
  /** When the message was received; becomes Bundle.timestamp so the same input gives the same Bundle. */
  receivedAt: string;
  /** Base of business identifier systems (mappings settings). */
  identifierBase: string;
}

/**
 * The bundle stage: wraps the planned entries in a FHIR transaction, so the server applies the whole message or
 * nothing. Every entry carries the conditional request the identity step chose.
 * @param mapped - The map stage's output.
 * @param options - Message identity and time.
 * @returns The transaction Bundle.
 */
export function buildTransactionBundle(mapped: MappedMessage, options: BundleOptions): Bundle {
  const entry: BundleEntry[] = mapped.entries.map((e) => ({
    fullUrl: e.fullUrl,
    resource: e.resource,
    request: e.request,
  }));
  return {
    resourceType: 'Bundle',
    identifier: { system: `${options.identifierBase}/${mapped.sender.id}/message`, value: options.controlId },
    type: 'transaction',
    timestamp: options.receivedAt,
    entry,
  };
}
