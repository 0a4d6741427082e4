import type { ElementChange, ProfileSpec } from './spec-types.ts';

const CORE = 'http://hl7.org/fhir/StructureDefinition/';
const SNOMED = 'http://snomed.info/sct';
const UCUM = 'http://unitsofmeasure.org';

/** At least one identifier, each with a system and a value: the business identity every studybridge resource has. */
function identified(type: string): ElementChange[] {
  return [
    { id: `${type}.identifier`, min: 1, mustSupport: true },
    { id: `${type}.identifier.system`, min: 1 },
    { id: `${type}.identifier.value`, min: 1 },
  ];
}

/**
 * The study profiles: the resources of randomization rosters, infusion logs and adverse-event logs. FHIR R4 (4.0.1)
 * only. Where the core definitions the validator compiles carry an element FHIR R4 does not have, the profile sets
 * it to 0..0 so that a resource using it is refused (ResearchStudy.studyDesign, an R5 element).
 */
export const STUDY_PROFILE_SPECS: ProfileSpec[] = [
  {
    id: 'studybridge-research-study',
    name: 'StudybridgeResearchStudy',
    title: 'Studybridge ResearchStudy',
    type: 'ResearchStudy',
    description:
      'A clinical study as defined in mappings/studies: identified, titled, with its phase, primary purpose and ' +
      'arms. FHIR R4 elements only.',
    elements: [
      ...identified('ResearchStudy'),
      { id: 'ResearchStudy.title', min: 1, mustSupport: true },
      { id: 'ResearchStudy.status', mustSupport: true },
      { id: 'ResearchStudy.primaryPurposeType', min: 1, mustSupport: true },
      { id: 'ResearchStudy.phase', min: 1, mustSupport: true },
      // R5 only; the definitions package's R4 ResearchStudy has it.
      { id: 'ResearchStudy.studyDesign', max: '0', short: 'Not in FHIR R4 (an R5 element)' },
      { id: 'ResearchStudy.period', mustSupport: true },
      { id: 'ResearchStudy.arm', min: 1, mustSupport: true },
      { id: 'ResearchStudy.arm.name', mustSupport: true },
      { id: 'ResearchStudy.arm.type', mustSupport: true },
      { id: 'ResearchStudy.arm.description', mustSupport: true },
    ],
  },
  {
    id: 'studybridge-research-subject',
    name: 'StudybridgeResearchSubject',
    title: 'Studybridge ResearchSubject',
    type: 'ResearchSubject',
    description:
      "A subject's participation in a study, from a randomization roster: identified by study and subject, with " +
      'status, period and arms; the individual is a Patient.',
    elements: [
      ...identified('ResearchSubject'),
      { id: 'ResearchSubject.status', mustSupport: true },
      { id: 'ResearchSubject.period', mustSupport: true },
      { id: 'ResearchSubject.study', mustSupport: true },
      {
        id: 'ResearchSubject.individual',
        type: [{ code: 'Reference', targetProfile: [`${CORE}Patient`] }],
        mustSupport: true,
      },
      { id: 'ResearchSubject.assignedArm', mustSupport: true },
      { id: 'ResearchSubject.actualArm', mustSupport: true },
    ],
  },
  {
    id: 'studybridge-infusion-administration',
    name: 'StudybridgeInfusionAdministration',
    title: 'Studybridge infusion MedicationAdministration',
    type: 'MedicationAdministration',
    description:
      'One entry of a study infusion log: an intravenous infusion of a study product (a Medication per product ' +
      'and lot) to a Patient, completed, not done (with the reason) or stopped; the dose in millions of cells.',
    elements: [
      {
        id: 'MedicationAdministration',
        constraint: [
          {
            key: 'sb-inf-1',
            severity: 'error',
            human: 'An infusion log entry is completed, not-done or stopped',
            expression: "status = 'completed' or status = 'not-done' or status = 'stopped'",
          },
          {
            key: 'sb-inf-2',
            severity: 'error',
            human: 'An infusion not done says why (statusReason)',
            expression: "status = 'not-done' implies statusReason.exists()",
          },
          {
            key: 'sb-inf-3',
            severity: 'error',
            human: 'A completed infusion has a dose',
            expression: "status = 'completed' implies dosage.dose.exists()",
          },
          {
            key: 'sb-inf-4',
            severity: 'error',
            human: `A dose is a number of millions of cells: UCUM (${UCUM}) code 10*6{cells}`,
            expression: `dosage.dose.all(system = '${UCUM}' and code = '10*6{cells}')`,
          },
        ],
      },
      ...identified('MedicationAdministration'),
      { id: 'MedicationAdministration.status', mustSupport: true },
      { id: 'MedicationAdministration.statusReason', mustSupport: true, short: 'Required when not-done (sb-inf-2)' },
      {
        id: 'MedicationAdministration.medication[x]',
        type: [{ code: 'Reference', targetProfile: [`${CORE}Medication`] }],
        mustSupport: true,
      },
      {
        id: 'MedicationAdministration.subject',
        type: [{ code: 'Reference', targetProfile: [`${CORE}Patient`] }],
        mustSupport: true,
      },
      { id: 'MedicationAdministration.effective[x]', mustSupport: true },
      { id: 'MedicationAdministration.reasonCode', mustSupport: true },
      { id: 'MedicationAdministration.dosage', mustSupport: true },
      { id: 'MedicationAdministration.dosage.text', mustSupport: true },
      {
        id: 'MedicationAdministration.dosage.route',
        min: 1,
        patternCodeableConcept: { coding: [{ system: SNOMED, code: '47625008' }] },
        short: 'Intravenous route (SNOMED CT 47625008)',
        mustSupport: true,
      },
      { id: 'MedicationAdministration.dosage.dose', mustSupport: true, short: 'Millions of cells (sb-inf-4)' },
    ],
  },
  {
    id: 'studybridge-adverse-event',
    name: 'StudybridgeAdverseEvent',
    title: 'Studybridge AdverseEvent',
    type: 'AdverseEvent',
    description:
      'An adverse event from a study adverse-event log: an actual event of a Patient in a study, coded, dated, ' +
      'with seriousness and severity, and the infusion it followed when known.',
    elements: [
      {
        id: 'AdverseEvent',
        constraint: [
          {
            key: 'sb-ae-1',
            severity: 'error',
            human: 'An adverse-event log records events that happened (actuality actual)',
            expression: "actuality = 'actual'",
          },
        ],
      },
      { id: 'AdverseEvent.identifier', min: 1, mustSupport: true },
      { id: 'AdverseEvent.identifier.system', min: 1 },
      { id: 'AdverseEvent.identifier.value', min: 1 },
      { id: 'AdverseEvent.event', min: 1, mustSupport: true },
      {
        id: 'AdverseEvent.subject',
        type: [{ code: 'Reference', targetProfile: [`${CORE}Patient`] }],
        mustSupport: true,
      },
      { id: 'AdverseEvent.date', min: 1, mustSupport: true },
      { id: 'AdverseEvent.seriousness', min: 1, mustSupport: true },
      { id: 'AdverseEvent.severity', min: 1, mustSupport: true },
      { id: 'AdverseEvent.outcome', mustSupport: true },
      {
        id: 'AdverseEvent.suspectEntity.instance',
        type: [{ code: 'Reference', targetProfile: [`${CORE}MedicationAdministration`] }],
        mustSupport: true,
      },
      { id: 'AdverseEvent.study', min: 1, mustSupport: true },
    ],
  },
  {
    id: 'studybridge-study-lab-observation',
    name: 'StudybridgeStudyLabObservation',
    title: 'Studybridge Study Lab Observation',
    type: 'Observation',
    description:
      'A lab result of an enrolled subject, claimed beside studybridge-lab-observation: it belongs to a study (the ' +
      'R4 workflow-researchStudy extension, pointing to the ResearchStudy) and to the protocol visit it was taken ' +
      'at (encounter, the Encounter of that study, subject and visit).',
    elements: [
      {
        id: 'Observation',
        constraint: [
          {
            key: 'sb-sobs-1',
            severity: 'error',
            human: 'The workflow-researchStudy extension names the study with a reference',
            expression:
              "extension.where(url = 'http://hl7.org/fhir/StructureDefinition/workflow-researchStudy').value.ofType(Reference).reference.exists()",
          },
        ],
      },
      {
        id: 'Observation.encounter',
        min: 1,
        type: [{ code: 'Reference', targetProfile: [`${CORE}Encounter`] }],
        mustSupport: true,
        short: 'The protocol visit',
      },
    ],
  },
];
