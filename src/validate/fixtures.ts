import type {
  DiagnosticReport,
  Observation,
  Patient,
  Provenance,
  Resource,
  ServiceRequest,
  Specimen,
} from '@medplum/fhirtypes';

/*
 * Resources shaped like the converter's output for one ORU^R01 with 15 OBX, shared by the tests and the
 * benchmark. References use urn:uuid, as inside a transaction Bundle.
 */

const SB = 'https://studybridge.org/fhir/StructureDefinition/';
const UCUM = 'http://unitsofmeasure.org';
const V3_INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
const uuid = (n: number): string => `urn:uuid:2b0b3c39-8d4e-4b8a-9a6f-${n.toString(16).padStart(12, '0')}`;

/** urn:uuid of the Patient, ServiceRequest, DiagnosticReport and Specimen. */
export const REFS = { patient: uuid(1), order: uuid(2), report: uuid(3), specimen: uuid(4) } as const;

const ANALYTES: [loinc: string, display: string, value: number, unit: string, low: number, high: number][] = [
  ['2345-7', 'Glucose [Mass/volume] in Serum or Plasma', 6.3, 'mmol/L', 3.9, 5.5],
  ['2160-0', 'Creatinine [Mass/volume] in Serum or Plasma', 88.4, 'umol/L', 62, 106],
  ['2951-2', 'Sodium [Moles/volume] in Serum or Plasma', 140, 'mmol/L', 135, 145],
  ['2823-3', 'Potassium [Moles/volume] in Serum or Plasma', 4.2, 'mmol/L', 3.5, 5.1],
  ['2075-0', 'Chloride [Moles/volume] in Serum or Plasma', 101, 'mmol/L', 98, 107],
  ['1963-8', 'Bicarbonate [Moles/volume] in Serum or Plasma', 24, 'mmol/L', 22, 29],
  ['3094-0', 'Urea nitrogen [Mass/volume] in Serum or Plasma', 5.1, 'mmol/L', 2.5, 7.1],
  ['17861-6', 'Calcium [Mass/volume] in Serum or Plasma', 2.35, 'mmol/L', 2.15, 2.55],
  ['2885-2', 'Protein [Mass/volume] in Serum or Plasma', 70, 'g/L', 64, 83],
  ['1751-7', 'Albumin [Mass/volume] in Serum or Plasma', 42, 'g/L', 35, 52],
  ['1975-2', 'Bilirubin.total [Mass/volume] in Serum or Plasma', 12, 'umol/L', 5, 21],
  ['6768-6', 'Alkaline phosphatase [Enzymatic activity/volume] in Serum or Plasma', 80, 'U/L', 40, 129],
  ['1742-6', 'Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma', 25, 'U/L', 0, 41],
  ['1920-8', 'Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma', 22, 'U/L', 0, 40],
  ['4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood', 6.1, '%', 4, 5.6],
];

const quantity = (value: number, unit: string): Observation['valueQuantity'] => ({
  value,
  unit,
  system: UCUM,
  code: unit,
});

/**
 * A lab Observation conforming to studybridge-lab-observation.
 * @param i - Which OBX (0..14).
 * @returns A fresh object (safe to mutate).
 */
export function labObservation(i = 0): Observation {
  const [loinc, display, value, unit, low, high] = ANALYTES[i % ANALYTES.length] as (typeof ANALYTES)[number];
  return {
    resourceType: 'Observation',
    meta: { profile: [`${SB}studybridge-lab-observation`] },
    identifier: [{ system: 'urn:oid:1.2.3.4.5.6', value: `ORD123-${i + 1}` }],
    basedOn: [{ reference: REFS.order }],
    status: 'final',
    category: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/observation-category',
            code: 'laboratory',
            display: 'Laboratory',
          },
        ],
      },
    ],
    code: { coding: [{ system: 'http://loinc.org', code: loinc, display }], text: display },
    subject: { reference: REFS.patient },
    effectiveDateTime: '2026-11-21T07:30:00+01:00',
    issued: '2026-11-21T09:00:00.000+01:00',
    performer: [{ display: 'Central Lab' }],
    valueQuantity: quantity(value, unit),
    ...(value > high ? { interpretation: [{ coding: [{ system: V3_INTERPRETATION, code: 'H' }] }] } : {}),
    specimen: { reference: REFS.specimen },
    referenceRange: [{ low: quantity(low, unit), high: quantity(high, unit), text: `${low}-${high}` }],
  };
}

/** @returns A Patient conforming to studybridge-patient. */
export function studyPatient(): Patient {
  return {
    resourceType: 'Patient',
    meta: { profile: [`${SB}studybridge-patient`] },
    identifier: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] },
        system: 'urn:oid:1.2.3.4.5.1',
        value: 'P-0001',
      },
    ],
    name: [{ family: "O'Brien", given: ['Ann'] }],
    gender: 'female',
    birthDate: '1970-03-15',
  };
}

/** @returns A DiagnosticReport conforming to studybridge-lab-diagnostic-report. */
export function labReport(results = 15): DiagnosticReport {
  return {
    resourceType: 'DiagnosticReport',
    meta: { profile: [`${SB}studybridge-lab-diagnostic-report`] },
    identifier: [{ system: 'urn:oid:1.2.3.4.5.7', value: 'FIL-9876' }],
    basedOn: [{ reference: REFS.order }],
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '24323-8', display: 'Comprehensive metabolic panel' }] },
    subject: { reference: REFS.patient },
    effectiveDateTime: '2026-11-21T07:30:00+01:00',
    issued: '2026-11-21T09:00:00.000+01:00',
    specimen: [{ reference: REFS.specimen }],
    result: Array.from({ length: results }, (_, i) => ({ reference: uuid(100 + i) })),
  };
}

/** @returns The resources of one ORU^R01 with 15 OBX: 20 in all. */
export function oruResources(): Resource[] {
  const order: ServiceRequest = {
    resourceType: 'ServiceRequest',
    identifier: [{ system: 'urn:oid:1.2.3.4.5.6', value: 'ORD123' }],
    status: 'completed',
    intent: 'order',
    code: { coding: [{ system: 'http://loinc.org', code: '24323-8' }] },
    subject: { reference: REFS.patient },
  };
  const specimen: Specimen = {
    resourceType: 'Specimen',
    identifier: [{ system: 'urn:oid:1.2.3.4.5.8', value: 'S-555' }],
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0487', code: 'SER' }] },
    subject: { reference: REFS.patient },
    collection: { collectedDateTime: '2026-11-21T07:30:00+01:00' },
  };
  const observations = ANALYTES.map((_, i) => labObservation(i));
  const provenance: Provenance = {
    resourceType: 'Provenance',
    target: [REFS.patient, REFS.order, REFS.report, REFS.specimen].map((reference) => ({ reference })),
    recorded: '2026-11-21T09:00:05.123+01:00',
    activity: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: 'CREATE' }] },
    agent: [{ who: { display: 'studybridge' } }],
    entity: [{ role: 'source', what: { identifier: { system: 'urn:ietf:rfc:3986', value: 'urn:oid:1.2.3.99' } } }],
  };
  return [studyPatient(), order, labReport(), specimen, ...observations, provenance];
}
