/**
 * Ties a lab layout to a study: its results then belong to the study (the R4 `workflow-researchStudy` extension
 * on each Observation) and to the protocol visit of their row (`Observation.encounter`, one Encounter per study,
 * subject and visit). The Encounter is the one the HL7 path writes for CTI-3 (`mappings/templates/ProtocolVisit.yaml`):
 * same identifier, same content, so a result sent over HL7 and listed in an export point to one visit.
 */
import type { Encounter, Extension, Reference } from '@medplum/fhirtypes';
import { conditionalUrl } from '../identity.ts';
import { PROTOCOL_VISIT_CODES, protocolVisitIdentifier, type IdentifierScope } from '../study/study-identifiers.ts';
import type { ResolvedStudy } from '../study/study-types.ts';
import type { ResolvedLayout } from './layout-types.ts';
import type { SharedResource } from './shared-resource.ts';

/** The R4 extension that says which study a resource belongs to. */
export const WORKFLOW_RESEARCH_STUDY = 'http://hl7.org/fhir/StructureDefinition/workflow-researchStudy';

/** What a lab layout with a study adds to its rows. */
export interface LabStudyLink {
  readonly study: ResolvedStudy;
  /** Where the study's visit Encounter identifiers are minted (the study is its own source, as on the HL7 path). */
  readonly scope: IdentifierScope;
  /** The Observation extension pointing at the ResearchStudy (shared, frozen). */
  readonly extension: readonly Extension[];
}

/**
 * Checks that a lab layout can be tied to a study: it must have a visit column, and every visit it maps to must be
 * one of the study's protocol visits (a result is tied to a visit the protocol knows, or not imported).
 * @returns The problems, as JSON pointers into the layout and reasons; empty when it can.
 */
export function labStudyProblems(layout: ResolvedLayout, study: ResolvedStudy): { pointer: string; reason: string }[] {
  const { visit } = layout.layout;
  if (!visit) {
    return [{ pointer: '/visit', reason: `a layout tied to study '${study.definition.id}' needs a visit column` }];
  }
  const known = new Set(study.definition.visits.map((v) => v.code));
  return Object.entries(visit.values)
    .filter(([, code]) => !known.has(code))
    .map(([text, code]) => ({
      pointer: `/visit/values/${text.replace(/~/g, '~0').replace(/\//g, '~1')}`,
      reason: `visit '${code}' is not a protocol visit of study '${study.definition.id}' (${[...known].join(', ')})`,
    }));
}

/** @returns The link a lab layout's rows carry for this study. */
export function labStudyLink(study: ResolvedStudy, identifierBase: string): LabStudyLink {
  const extension = Object.freeze([
    Object.freeze({ url: WORKFLOW_RESEARCH_STUDY, valueReference: Object.freeze({ reference: study.url }) }),
  ]);
  const scope = { identifierBase, source: study.definition.id, study: study.definition.id };
  return { study, scope, extension };
}

/**
 * The protocol-visit Encounter of a subject, as a resource the rows of that subject and visit share. Its subject is
 * filled in by the bundle stage (`subjectElement`), as only it knows the Patient's entry.
 * @returns The shared Encounter and the reference rows use for it.
 */
export function visitEncounter(
  link: LabStudyLink,
  subject: string,
  visit: string,
): { shared: SharedResource; reference: Reference<Encounter> } {
  const identifier = protocolVisitIdentifier(link.scope, subject, visit);
  const url = conditionalUrl('Encounter', identifier);
  const encounter: Encounter = {
    resourceType: 'Encounter',
    extension: [...link.extension],
    identifier: [identifier],
    status: 'unknown',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
    type: [{ coding: [{ system: PROTOCOL_VISIT_CODES, code: visit }], text: visit }],
  };
  return { shared: { url, resource: encounter, subjectElement: 'subject' }, reference: { reference: url } };
}
