/**
 * The business identifiers studybridge mints for study resources. As for every resource it writes, the system is
 * `${identifierBase}/${source}/<kind>` and the value is built from what identifies the fact, never from row
 * positions or import times, so resending a file never duplicates and a changed row updates in place. Values start
 * with the study id: two studies of one source never share an identifier.
 */
import type { Identifier } from '@medplum/fhirtypes';

/** Where the identifiers of one source are minted. */
export interface IdentifierScope {
  identifierBase: string;
  /** The layout's source. */
  source: string;
  /** The study id. */
  study: string;
}

function minted(scope: IdentifierScope, kind: string, ...parts: string[]): Identifier {
  return { system: `${scope.identifierBase}/${scope.source}/${kind}`, value: [scope.study, ...parts].join('/') };
}

/**
 * @returns The identifier of a subject's protocol visit (the Encounter results of that visit point to), the same
 *   for every source that knows the visit: HL7 CTI-3 and a CSV visit column.
 */
export function protocolVisitIdentifier(scope: IdentifierScope, subject: string, visit: string): Identifier {
  return minted(scope, 'protocol-visit', subject, visit);
}

/** The CodeSystem of protocol visit codes (`baseline`, `week-48`, `month-6`): Encounter.type of a visit Encounter. */
export const PROTOCOL_VISIT_CODES = 'https://studybridge.org/fhir/CodeSystem/protocol-visit';

/** @returns The identifier of a subject's participation in the study (ResearchSubject). */
export function researchSubjectIdentifier(scope: IdentifierScope, subject: string): Identifier {
  return minted(scope, 'research-subject', subject);
}

/**
 * How an infusion log tells a subject's infusions apart: by their number in the series, or (for logs without one)
 * by the date the infusion started.
 */
export type InfusionKey = { doseNumber: number } | { date: string };

/**
 * @param key - The dose number, or the start date (`YYYY-MM-DD`; a time of day is dropped, so a corrected time
 *   updates the same administration).
 * @returns The identifier of one infusion (MedicationAdministration). An adverse-event log computes the same
 *   identifier to point at the infusion an event followed.
 */
export function administrationIdentifier(scope: IdentifierScope, subject: string, key: InfusionKey): Identifier {
  const which = 'doseNumber' in key ? `dose-${key.doseNumber}` : key.date.slice(0, 10);
  return minted(scope, 'medication-administration', subject, which);
}

/** @returns The identifier of a product (Medication), per lot when the lot is known: each lot is its own Medication. */
export function medicationIdentifier(scope: IdentifierScope, product: string, lot: string | undefined): Identifier {
  return lot === undefined ? minted(scope, 'medication', product) : minted(scope, 'medication', product, lot);
}

/**
 * How an adverse-event log tells a subject's events apart: by the log's event number, or by onset date and event
 * code.
 */
export type AdverseEventKey = { number: string } | { date: string; code: string };

/** @returns The identifier of one adverse event (AdverseEvent). */
export function adverseEventIdentifier(scope: IdentifierScope, subject: string, key: AdverseEventKey): Identifier {
  return 'number' in key
    ? minted(scope, 'adverse-event', subject, key.number)
    : minted(scope, 'adverse-event', subject, key.date.slice(0, 10), key.code);
}
