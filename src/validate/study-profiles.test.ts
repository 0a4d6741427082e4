import { describe, expect, it } from 'vitest';
import { SB, useValidator, type Loose } from './test-support.ts';

const v = useValidator();
const SCT = 'http://snomed.info/sct';
const UCUM = 'http://unitsofmeasure.org';
const ref = { reference: 'urn:uuid:00000000-0000-4000-8000-000000000001' };

function researchStudy(): Loose {
  return {
    resourceType: 'ResearchStudy',
    meta: { profile: [`${SB}studybridge-research-study`] },
    identifier: [{ system: 'https://example.org/study', value: 'T1' }],
    title: 'Test study',
    status: 'completed',
    primaryPurposeType: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/research-study-prim-purp-type', code: 'treatment' }],
    },
    phase: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/research-study-phase', code: 'phase-2' }] },
    arm: [{ name: 'Arm A' }, { name: 'Arm B' }],
  };
}

function researchSubject(): Loose {
  return {
    resourceType: 'ResearchSubject',
    meta: { profile: [`${SB}studybridge-research-subject`] },
    identifier: [{ system: 'https://example.org/id/rs', value: 'T1/S-1' }],
    status: 'on-study',
    period: { start: '2021-03-01' },
    study: ref,
    individual: ref,
    assignedArm: 'Arm A',
  };
}

function administration(): Loose {
  return {
    resourceType: 'MedicationAdministration',
    meta: { profile: [`${SB}studybridge-infusion-administration`] },
    extension: [
      {
        url: `${SB}dose-in-series`,
        extension: [
          { url: 'doseNumber', valuePositiveInt: 2 },
          { url: 'seriesDoses', valuePositiveInt: 3 },
        ],
      },
    ],
    identifier: [{ system: 'https://example.org/id/ma', value: 'T1/S-1/dose-2' }],
    status: 'completed',
    medicationReference: ref,
    subject: ref,
    effectivePeriod: { start: '2021-03-08T09:20:00+08:00', end: '2021-03-08T09:52:00+08:00' },
    dosage: {
      text: 'Dose 2 of 3; 1 x 10^6 cells/kg; body weight 68.1 kg',
      route: { coding: [{ system: SCT, code: '47625008', display: 'Intravenous route' }] },
      dose: { value: 68.1, unit: '10*6{cells}', system: UCUM, code: '10*6{cells}' },
    },
  };
}

function adverseEvent(): Loose {
  return {
    resourceType: 'AdverseEvent',
    meta: { profile: [`${SB}studybridge-adverse-event`] },
    identifier: { system: 'https://example.org/id/ae', value: 'T1/S-1/1' },
    actuality: 'actual',
    event: { coding: [{ system: SCT, code: '386661006', display: 'Fever' }] },
    subject: ref,
    date: '2021-03-08T21:30:00+08:00',
    seriousness: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/adverse-event-seriousness', code: 'Non-serious' }],
    },
    severity: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/adverse-event-severity', code: 'mild' }] },
    suspectEntity: [{ instance: { reference: 'MedicationAdministration?identifier=https://example.org/id/ma|x' } }],
    study: [ref],
  };
}

/** @returns The resource changed by `change`. */
function changed(make: () => Loose, change: (r: Loose) => void): Loose {
  const r = make();
  change(r);
  return r;
}

describe('study profiles', () => {
  it('When conforming study resources are validated, then no error is found', () => {
    for (const r of [researchStudy(), researchSubject(), administration(), adverseEvent()]) {
      expect(v.found(r), r.resourceType).toEqual([]);
    }
  });

  it('When a ResearchStudy uses the R5 element studyDesign, then the profile refuses it though the definitions know it', () => {
    const r5 = changed(researchStudy, (r) => (r.studyDesign = [{ text: 'randomized' }]));
    expect(v.found(r5)).toEqual([expect.stringMatching(/^ResearchStudy\.studyDesign/)]);
    // Without the profile, base R4 as the validator compiles it accepts the element: the profile is what refuses it.
    delete r5.meta;
    expect(v.found(r5)).toEqual([]);
  });

  it('When other R5 ResearchStudy and ResearchSubject elements or codes appear, then base R4 refuses them', () => {
    expect(v.found(changed(researchStudy, (r) => (r.label = [{ value: 'x' }])))).toEqual([
      expect.stringMatching(/^ResearchStudy\.label/),
    ]);
    expect(v.found(changed(researchSubject, (r) => (r.status = 'active')))).toEqual([
      expect.stringMatching(/^ResearchSubject\.status/),
    ]);
    expect(v.found(changed(researchSubject, (r) => (r.subject = ref)))).toEqual([
      expect.stringMatching(/^ResearchSubject\.subject/),
    ]);
  });

  it('When a ResearchStudy lacks its identifier, title, phase, purpose or arms, then each is reported', () => {
    const bare = changed(researchStudy, (r) => {
      delete r.identifier;
      delete r.title;
      delete r.phase;
      delete r.primaryPurposeType;
      delete r.arm;
    });
    expect(v.found(bare).map((f) => f.split(':')[0])).toEqual(
      expect.arrayContaining([
        'ResearchStudy.identifier',
        'ResearchStudy.title',
        'ResearchStudy.phase',
        'ResearchStudy.primaryPurposeType',
        'ResearchStudy.arm',
      ]),
    );
  });

  it('When a ResearchSubject has an identifier without a value, then the profile refuses it', () => {
    const r = changed(researchSubject, (x) => (x.identifier = [{ system: 'https://example.org/id/rs' }]));
    expect(v.found(r)).toEqual([expect.stringMatching(/^ResearchSubject\.identifier\[0\]\.value/)]);
  });

  it('When an infusion breaks each rule, then the rule is reported', () => {
    const notDone = changed(administration, (r) => {
      r.status = 'not-done';
      delete r.dosage;
    });
    expect(v.found(notDone)).toEqual([expect.stringMatching(/sb-inf-2/)]);
    expect(v.found(changed(administration, (r) => (r.status = 'in-progress')))).toEqual([
      expect.stringMatching(/sb-inf-1/),
    ]);
    expect(v.found(changed(administration, (r) => delete r.dosage))).toEqual([expect.stringMatching(/sb-inf-3/)]);
    expect(v.found(changed(administration, (r) => (r.dosage.dose.code = r.dosage.dose.unit = 'mL')))).toEqual([
      expect.stringMatching(/sb-inf-4/),
    ]);
    expect(
      v.found(changed(administration, (r) => (r.dosage.route = { coding: [{ system: SCT, code: '26643006' }] }))),
    ).toEqual([expect.stringMatching(/^MedicationAdministration\.dosage\.route/)]);
    expect(v.found(changed(administration, (r) => delete r.identifier))).toEqual([
      expect.stringMatching(/^MedicationAdministration\.identifier/),
    ]);
  });

  it('When an adverse event lacks what a log gives or is only potential, then each is reported', () => {
    expect(v.found(changed(adverseEvent, (r) => (r.actuality = 'potential')))).toEqual([
      expect.stringMatching(/sb-ae-1/),
    ]);
    const bare = changed(adverseEvent, (r) => {
      delete r.identifier;
      delete r.event;
      delete r.date;
      delete r.seriousness;
      delete r.severity;
      delete r.study;
    });
    expect(
      v
        .found(bare)
        .map((f) => f.split(':')[0])
        .sort(),
    ).toEqual([
      'AdverseEvent.date',
      'AdverseEvent.event',
      'AdverseEvent.identifier',
      'AdverseEvent.seriousness',
      'AdverseEvent.severity',
      'AdverseEvent.study',
    ]);
    const severity = changed(adverseEvent, (r) => (r.severity.coding[0].code = 'life-threatening'));
    expect(v.found(severity)).toEqual([expect.stringMatching(/^AdverseEvent\.severity/)]);
  });

  it('When a study lab result lacks its study or its visit, then the study lab profile reports each', () => {
    const result = (): Loose => ({
      resourceType: 'Observation',
      meta: { profile: [`${SB}studybridge-lab-observation`, `${SB}studybridge-study-lab-observation`] },
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/workflow-researchStudy', valueReference: ref }],
      status: 'final',
      category: [
        { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] },
      ],
      code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }] },
      subject: ref,
      encounter: ref,
      effectiveDateTime: '2026-02-02',
      valueQuantity: { value: 7.1, unit: '%', system: UCUM, code: '%' },
    });
    expect(v.found(result())).toEqual([]);
    const noStudy = changed(result, (r) => delete r.extension);
    expect(v.found(noStudy)).toEqual([expect.stringMatching(/sb-sobs-1/)]);
    const noVisit = changed(result, (r) => delete r.encounter);
    expect(v.found(noVisit)).toEqual([expect.stringMatching(/^Observation\.encounter/)]);
  });
});
