import { createHash } from 'node:crypto';
import type { Bundle } from '@medplum/fhirtypes';
import type { Studies } from '../map/study/study-types.ts';
import { MessageState, Transport, type NewMessage } from '../store/message-store.ts';
import { deterministicUuid } from '../bundle/resource-ids.ts';

/** Message type of the stored Bundle that publishes the study definitions; its raw bytes are the Bundle itself. */
export const STUDIES_MESSAGE_TYPE = 'FHIR/ResearchStudy';

/** Order key of those Bundles: a newer definition is never overtaken by an older one. */
export const STUDIES_ORDER_KEY = 'studies';

/**
 * The ResearchStudy of every study definition, as one transaction of conditional updates on their identifiers.
 * The service stores it at start, so the studies exist on the FHIR server before any roster, infusion or lab
 * arrives, and a changed definition updates its ResearchStudy at the next start; an unchanged one is left as it is.
 * @param studies - The loaded study definitions.
 * @param receivedAt - When the service started (Bundle.timestamp).
 * @returns The message to store, or undefined when there are no studies.
 */
export function studiesMessage(studies: Studies, receivedAt: string): NewMessage | undefined {
  if (studies.size === 0) return undefined;
  const ordered = [...studies.values()].sort((a, b) => a.definition.id.localeCompare(b.definition.id));
  const content = JSON.stringify(ordered.map((s) => s.researchStudy));
  const digest = createHash('sha256').update(content).digest('hex').slice(0, 16);
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    timestamp: receivedAt,
    entry: ordered.map((s) => ({
      fullUrl: `urn:uuid:${deterministicUuid(`study|${s.definition.id}`)}`,
      resource: s.researchStudy,
      request: { method: 'PUT', url: s.url },
    })),
  };
  const text = JSON.stringify(bundle);
  return {
    transport: Transport.Cli,
    sender: 'studybridge|studies',
    controlId: digest,
    messageType: STUDIES_MESSAGE_TYPE,
    receivedAt,
    raw: new TextEncoder().encode(text),
    state: MessageState.Converted,
    bundle: text,
    orderKey: STUDIES_ORDER_KEY,
  };
}
