import type { CodeableConcept, ResearchStudy } from '@medplum/fhirtypes';
import { conditionalUrl } from '../identity.ts';
import { RESEARCH_STUDY_ARM_TYPE, RESEARCH_STUDY_PHASE, RESEARCH_STUDY_PURPOSE } from './study-codes.ts';
import type { StudyDefinition } from './study-types.ts';

/** Id of the ResearchStudy profile; its URL is `${canonicalBase}/StructureDefinition/<id>`. */
export const RESEARCH_STUDY_PROFILE = 'studybridge-research-study';

/**
 * Builds the R4 ResearchStudy of a study definition: its identifiers, title, status, phase, primary purpose,
 * period, conditions and arms (name, type, description). Only R4 (4.0.1) elements are written. A pure function of
 * the definition: the same definition always gives the same resource, so every Bundle that carries it writes the
 * same thing.
 * @param study - The study definition.
 * @param canonicalBase - Base of studybridge's canonical URLs (for `meta.profile`).
 * @returns The ResearchStudy.
 */
export function buildResearchStudy(study: StudyDefinition, canonicalBase: string): ResearchStudy {
  const concept = (system: string, code: string, display: string): CodeableConcept => ({
    coding: [{ system, code, display }],
  });
  const period =
    study.period &&
    Object.fromEntries((['start', 'end'] as const).filter((k) => study.period?.[k]).map((k) => [k, study.period?.[k]]));
  return {
    resourceType: 'ResearchStudy',
    meta: { profile: [`${canonicalBase}/StructureDefinition/${RESEARCH_STUDY_PROFILE}`] },
    identifier: study.identifiers.map((i) => ({ system: i.system, value: i.value })),
    title: study.title,
    status: study.status,
    primaryPurposeType: concept(
      RESEARCH_STUDY_PURPOSE.system,
      study.primaryPurposeType,
      RESEARCH_STUDY_PURPOSE.codes[study.primaryPurposeType],
    ),
    phase: concept(RESEARCH_STUDY_PHASE.system, study.phase, RESEARCH_STUDY_PHASE.codes[study.phase]),
    ...(study.conditions.length
      ? { condition: study.conditions.map((c) => concept(c.system, c.code, c.display)) }
      : {}),
    ...(study.description ? { description: study.description } : {}),
    ...(period ? { period } : {}),
    arm: study.arms.map((a) => ({
      name: a.name,
      ...(a.type
        ? { type: concept(RESEARCH_STUDY_ARM_TYPE.system, a.type, RESEARCH_STUDY_ARM_TYPE.codes[a.type]) }
        : {}),
      ...(a.description ? { description: a.description } : {}),
    })),
  };
}

/**
 * @param study - The study definition.
 * @returns `ResearchStudy?identifier=system|value` on the study's first identifier: how its ResearchStudy is
 *   written (conditional update) and how rows refer to it.
 */
export function researchStudyUrl(study: StudyDefinition): string {
  const [first] = study.identifiers;
  return conditionalUrl('ResearchStudy', { system: first?.system ?? '', value: first?.value ?? '' });
}
