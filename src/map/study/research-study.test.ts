import { describe, expect, it } from 'vitest';
import { buildResearchStudy, researchStudyUrl } from './research-study.ts';
import type { StudyDefinition } from './study-types.ts';

const BASE = 'https://example.org/fhir';

const definition: StudyDefinition = {
  id: 'test-rct',
  title: 'A test trial',
  description: 'Invented for the test.',
  identifiers: [
    { system: 'https://example.org/study', value: 'TRIAL-1' },
    { system: 'https://registry.example.org', value: 'REG-0001' },
  ],
  status: 'closed-to-accrual',
  phase: 'phase-1-phase-2',
  primaryPurposeType: 'supportive-care',
  period: { start: '2021-03', end: '2022-06-30' },
  blinded: false,
  conditions: [{ system: 'http://snomed.info/sct', code: '44054006', display: 'Type 2 diabetes mellitus' }],
  arms: [
    { name: 'Active', type: 'experimental', description: 'cells', product: 'uc-msc' },
    { name: 'Control', type: 'placebo-comparator' },
    { name: 'Observation' },
  ],
  visits: [{ code: 'dose-1', day: 0, window: 0 }],
  products: [{ code: 'uc-msc', text: 'cells', cellDose: true }],
};

describe('buildResearchStudy', () => {
  it('When a definition is built, then the R4 ResearchStudy carries its identifiers, codes, period and arms', () => {
    expect(buildResearchStudy(definition, BASE)).toEqual({
      resourceType: 'ResearchStudy',
      meta: { profile: ['https://example.org/fhir/StructureDefinition/studybridge-research-study'] },
      identifier: [
        { system: 'https://example.org/study', value: 'TRIAL-1' },
        { system: 'https://registry.example.org', value: 'REG-0001' },
      ],
      title: 'A test trial',
      status: 'closed-to-accrual',
      primaryPurposeType: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/research-study-prim-purp-type',
            code: 'supportive-care',
            display: 'Supportive Care',
          },
        ],
      },
      phase: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/research-study-phase',
            code: 'phase-1-phase-2',
            display: 'Phase 1/Phase 2',
          },
        ],
      },
      condition: [
        { coding: [{ system: 'http://snomed.info/sct', code: '44054006', display: 'Type 2 diabetes mellitus' }] },
      ],
      description: 'Invented for the test.',
      period: { start: '2021-03', end: '2022-06-30' },
      arm: [
        {
          name: 'Active',
          type: {
            coding: [
              { system: 'http://hl7.org/fhir/research-study-arm-type', code: 'experimental', display: 'Experimental' },
            ],
          },
          description: 'cells',
        },
        {
          name: 'Control',
          type: {
            coding: [
              {
                system: 'http://hl7.org/fhir/research-study-arm-type',
                code: 'placebo-comparator',
                display: 'Placebo Comparator',
              },
            ],
          },
        },
        { name: 'Observation' },
      ],
    });
  });

  it('When optional parts are absent, then no empty element is written and only R4 elements appear', () => {
    const rs = buildResearchStudy(
      { ...definition, description: undefined, period: undefined, conditions: [], arms: [{ name: 'Arm A' }] },
      BASE,
    );
    expect(Object.keys(rs)).toEqual([
      'resourceType',
      'meta',
      'identifier',
      'title',
      'status',
      'primaryPurposeType',
      'phase',
      'arm',
    ]);
    expect(rs.arm).toEqual([{ name: 'Arm A' }]);
  });

  it('When the same definition is built twice, then the resources are equal and the URL is on the first identifier', () => {
    expect(buildResearchStudy(definition, BASE)).toEqual(buildResearchStudy(structuredClone(definition), BASE));
    expect(researchStudyUrl(definition)).toBe('ResearchStudy?identifier=https%3A%2F%2Fexample.org%2Fstudy|TRIAL-1');
  });
});
