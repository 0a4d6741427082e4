/**
 * From LIS message to researcher query, with HAPI FHIR as the target: `studybridge serve` receives ORU^R01
 * over MLLP and delivers to HAPI; HAPI is then queried as a researcher would. Resending changes nothing, and a
 * correction (OBX-11 = C) updates the same Observation.
 */
import type { Bundle, DiagnosticReport, Observation, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { distinctMessage } from '../integration/support/hl7.ts';
import { Api } from '../integration/support/http.ts';
import { sendAll } from '../integration/support/mllp.ts';
import { ServiceProcess } from '../integration/support/service-process.ts';
import { FhirClient } from './support/fhir-client.ts';

const MRN = 'https://studybridge.org/fhir/NamingSystem/general-hospital-mrn';
const HBA1C = encodeURIComponent('http://loinc.org|4548-4');
const KEYS = ['E1', 'E2', 'E3', 'E4', 'E5'];
const TYPES = ['Patient', 'Encounter', 'ServiceRequest', 'DiagnosticReport', 'Specimen', 'Observation', 'Provenance'];

const fhir = new FhirClient(inject('fhirBaseUrl'));
let service: ServiceProcess;
let api: Api;

const patientOf = (key: string): string => encodeURIComponent(`${MRN}|P-${key}`);
const messages = KEYS.map((k) => distinctMessage(k, 15));

async function counts(): Promise<Record<string, number>> {
  const entries = await Promise.all(TYPES.map(async (t) => [t, await fhir.count(t)] as const));
  return Object.fromEntries(entries);
}

async function hba1cOf(key: string): Promise<Observation> {
  const bundle = await fhir.search(`Observation?code=${HBA1C}&subject:Patient.identifier=${patientOf(key)}`);
  expect(bundle.entry, `one HbA1c for P-${key}`).toHaveLength(1);
  return bundle.entry![0]!.resource as Observation;
}

beforeAll(async () => {
  await fhir.reset();
  service = await ServiceProcess.start({ env: { STUDYBRIDGE_FHIR_BASE_URL: fhir.base } });
  api = new Api(service.url);
});

afterAll(() => service?.cleanup());

describe('studybridge delivering to HAPI FHIR', () => {
  it('When five ORU^R01 are sent over MLLP, then each is acknowledged and delivered to HAPI', async () => {
    const acks = await sendAll(
      service.mllpPort,
      messages.map((m) => m.text),
    );
    expect(acks.map((a) => [a.code, a.controlId])).toEqual(messages.map((m) => ['CA', m.controlId]));
    const states = await api.settled(120_000);
    expect(states).toMatchObject({ delivered: 5 });
    expect(states.dead ?? 0).toBe(0);
    expect(await counts()).toEqual({
      Patient: 5,
      Encounter: 5,
      ServiceRequest: 5,
      DiagnosticReport: 5,
      Specimen: 5,
      Observation: 75,
      Provenance: 5,
    });
  });

  it('When a researcher asks for HbA1c by LOINC code and patient identifier (chained), then HAPI finds it', async () => {
    const one = await hba1cOf('E1');
    expect(one.valueQuantity).toMatchObject({ value: 7.2, system: 'http://unitsofmeasure.org', code: '%' });
    const two = await fhir.search(
      `Observation?code=${HBA1C}&subject:Patient.identifier=${patientOf('E2')},${patientOf('E3')}`,
    );
    expect(two.entry).toHaveLength(2);
  });

  it('When a report is searched with _include=DiagnosticReport:result, then its 15 Observations come along', async () => {
    const bundle = await fhir.search(
      `DiagnosticReport?subject:Patient.identifier=${patientOf('E1')}&_include=DiagnosticReport:result`,
    );
    const matches = (bundle.entry ?? []).filter((e) => e.search?.mode === 'match');
    const included = (bundle.entry ?? []).filter((e) => e.search?.mode === 'include');
    expect(matches).toHaveLength(1);
    expect((matches[0]!.resource as DiagnosticReport).result).toHaveLength(15);
    expect(included.map((e) => e.resource?.resourceType)).toEqual(Array(15).fill('Observation'));
  });

  it('When Patient/$everything is asked, then the patient and their labs come back', async () => {
    const patients = await fhir.search(`Patient?identifier=${patientOf('E4')}`);
    const patient = patients.entry?.[0]?.resource as Patient;
    expect(patient.id).toBeTruthy();
    const everything = await fhir.get<Bundle>(`Patient/${patient.id}/$everything?_count=200`);
    const types = (everything.entry ?? []).map((e) => e.resource?.resourceType);
    expect(types.filter((t) => t === 'Observation')).toHaveLength(15);
    for (const t of ['Patient', 'DiagnosticReport', 'Specimen', 'Encounter', 'ServiceRequest']) {
      expect(types, t).toContain(t);
    }
  });

  it('When the cohort is counted with _summary=count, then HAPI gives the total without the resources', async () => {
    const bundle = await fhir.search(`Observation?code=${HBA1C}&_summary=count`);
    expect(bundle.total).toBe(5);
    expect(bundle.entry ?? []).toHaveLength(0);
  });

  it('When the same messages are sent again, then HAPI holds the same resources, no more', async () => {
    const before = await counts();
    const acks = await sendAll(
      service.mllpPort,
      messages.map((m) => m.text),
    );
    expect(acks.every((a) => a.code === 'CA')).toBe(true);
    expect(await api.settled(120_000)).toMatchObject({ delivered: 10 });
    expect(await counts()).toEqual(before);
  });

  it('When a correction (OBX-11 = C) arrives, then the same Observation is corrected and has two versions', async () => {
    const original = messages[0]!;
    const before = await hba1cOf('E1');
    const corrected = original.text
      .replace(`|${original.controlId}|`, `|${original.controlId}-C|`)
      .replace('|HBA1C^HbA1c^L||7.2|%|4.0-5.6|H|||F|', '|HBA1C^HbA1c^L||7.9|%|4.0-5.6|H|||C|');
    expect(corrected).toContain('||7.9|%');
    const [ack] = await sendAll(service.mllpPort, [corrected]);
    expect(ack!.code).toBe('CA');
    await api.settled(120_000);
    const after = await hba1cOf('E1');
    expect(after.id).toBe(before.id);
    expect(after.status).toBe('corrected');
    expect(after.valueQuantity?.value).toBe(7.9);
    const history = await fhir.search(`Observation/${after.id}/_history`);
    const values = (history.entry ?? []).map((e) => (e.resource as Observation).valueQuantity?.value).sort();
    expect(values).toEqual([7.2, 7.9]);
    expect(await fhir.count(`Observation?subject:Patient.identifier=${patientOf('E1')}`)).toBe(15);
  });
});
