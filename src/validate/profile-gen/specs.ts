import type { ProfileSpec } from './spec-types.ts';
import { STUDY_PROFILE_SPECS } from './study-specs.ts';

const CORE = 'http://hl7.org/fhir/StructureDefinition/';
const LOINC = 'http://loinc.org';
const STUDY_MEASURES = 'https://studybridge.org/fhir/CodeSystem/study-measures';
const UCUM = 'http://unitsofmeasure.org';
const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const V2_0074 = 'http://terminology.hl7.org/CodeSystem/v2-0074';

/** Category slicing by pattern: the required slice below says which category must be among them. */
const CATEGORY_SLICING = {
  discriminator: [{ type: 'pattern' as const, path: '$this' }],
  rules: 'open' as const,
  description: 'The required category is a slice; other categories may follow.',
};

/** The studybridge profiles. Edit here, then regenerate `profiles/` (see profiles/README.md). */
export const PROFILE_SPECS: ProfileSpec[] = [
  {
    id: 'studybridge-lab-observation',
    name: 'StudybridgeLabObservation',
    title: 'Studybridge Lab Observation',
    type: 'Observation',
    description:
      'One laboratory result (an HL7 v2 OBX) converted by studybridge: coded with LOINC or, for measures without ' +
      'a LOINC code, the study-measures code system; quantities in UCUM; about a Patient.',
    elements: [
      {
        id: 'Observation',
        constraint: [
          {
            key: 'sb-obs-1',
            severity: 'error',
            human: `code.coding holds a coding with a code from LOINC (${LOINC}) or from ${STUDY_MEASURES}`,
            expression: `code.coding.where((system = '${LOINC}' or system = '${STUDY_MEASURES}') and code.exists()).exists()`,
          },
          {
            key: 'sb-obs-2',
            severity: 'error',
            // A result still in process (registered: OBX-11 I or O) often has no time yet; every other status needs one.
            human: 'effective[x] is present unless the status is registered, cancelled or entered-in-error',
            expression:
              "effective.exists() or status = 'registered' or status = 'cancelled' or status = 'entered-in-error'",
          },
          {
            key: 'sb-obs-3',
            severity: 'error',
            human: `A valueQuantity has system ${UCUM} and a code`,
            expression: `value.ofType(Quantity).all(system = '${UCUM}' and code.exists())`,
          },
          {
            key: 'sb-obs-4',
            severity: 'error',
            human: 'A final, corrected or amended result has a value[x] or a dataAbsentReason',
            expression:
              "(status = 'final' or status = 'corrected' or status = 'amended') implies (value.exists() or dataAbsentReason.exists())",
          },
        ],
      },
      { id: 'Observation.status', mustSupport: true },
      { id: 'Observation.category', min: 1, slicing: CATEGORY_SLICING, mustSupport: true },
      {
        id: 'Observation.category:laboratory',
        min: 1,
        max: '1',
        patternCodeableConcept: { coding: [{ system: OBSERVATION_CATEGORY, code: 'laboratory' }] },
      },
      { id: 'Observation.code', mustSupport: true, short: 'LOINC or study-measures code (sb-obs-1)' },
      {
        id: 'Observation.subject',
        min: 1,
        type: [{ code: 'Reference', targetProfile: [`${CORE}Patient`] }],
        mustSupport: true,
      },
      {
        id: 'Observation.effective[x]',
        mustSupport: true,
        short: 'Required unless registered, cancelled or entered-in-error (sb-obs-2)',
      },
      {
        id: 'Observation.value[x]',
        type: ['Quantity', 'CodeableConcept', 'string', 'Range', 'Ratio', 'dateTime'].map((code) => ({ code })),
        mustSupport: true,
      },
    ],
  },
  {
    id: 'studybridge-lab-diagnostic-report',
    name: 'StudybridgeLabDiagnosticReport',
    title: 'Studybridge Lab DiagnosticReport',
    type: 'DiagnosticReport',
    description: 'One laboratory report (an HL7 v2 OBR with its results) converted by studybridge.',
    elements: [
      { id: 'DiagnosticReport.identifier', min: 1, mustSupport: true },
      { id: 'DiagnosticReport.category', min: 1, slicing: CATEGORY_SLICING, mustSupport: true },
      {
        id: 'DiagnosticReport.category:LAB',
        min: 1,
        max: '1',
        patternCodeableConcept: { coding: [{ system: V2_0074, code: 'LAB' }] },
      },
      { id: 'DiagnosticReport.subject', min: 1, mustSupport: true },
    ],
  },
  {
    id: 'studybridge-patient',
    name: 'StudybridgePatient',
    title: 'Studybridge Patient',
    type: 'Patient',
    description: 'A study participant: identified by at least one identifier that has both a system and a value.',
    elements: [
      { id: 'Patient.identifier', min: 1, mustSupport: true },
      { id: 'Patient.identifier.system', min: 1 },
      { id: 'Patient.identifier.value', min: 1 },
    ],
  },
  // Rosters, infusion logs and adverse-event logs.
  ...STUDY_PROFILE_SPECS,
];
