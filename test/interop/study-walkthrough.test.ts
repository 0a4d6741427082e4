/**
 * The README's researcher flow with HAPI FHIR as the target: the studies are published at start, the blinded
 * NAFLD trial's roster, an infusion over HL7 (RAS^O17), the infusion log and the trial's labs are delivered, and
 * HAPI answers the README's queries: subjects by study with their arm, HbA1c at the week-48 visit for one arm, and
 * the study's Patients through `_has:ResearchSubject`.
 */
import { readFileSync } from 'node:fs';
import type { MedicationAdministration, Observation, ResearchStudy, ResearchSubject } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Api } from '../integration/support/http.ts';
import { ServiceProcess } from '../integration/support/service-process.ts';
import { FhirClient } from './support/fhir-client.ts';

const STUDY = encodeURIComponent('https://studybridge.org/fhir/NamingSystem/study|uc-msc-nafld-rct');
const HBA1C = encodeURIComponent('http://loinc.org|4548-4');
const WEEK_48 = encodeURIComponent('https://studybridge.org/fhir/CodeSystem/protocol-visit|week-48');
const T0101 = encodeURIComponent('https://studybridge.org/fhir/NamingSystem/uc-msc-trial-subject|T-0101');

const fhir = new FhirClient(inject('fhirBaseUrl'));
let service: ServiceProcess;
let api: Api;

async function postCsv(layout: string): Promise<void> {
  const res = await api.request(`/csv?mapping=${layout}`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv' },
    body: readFileSync(`examples/csv/${layout}.csv`),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

const resources = async <T>(query: string): Promise<T[]> =>
  ((await fhir.search(query)).entry ?? []).map((e) => e.resource as T);

beforeAll(async () => {
  await fhir.reset();
  service = await ServiceProcess.start({
    env: { STUDYBRIDGE_FHIR_BASE_URL: fhir.base, STUDYBRIDGE_PUBLISH_STUDIES: 'true' },
  });
  api = new Api(service.url);
});

afterAll(() => service?.cleanup());

describe('a researcher follows one study on HAPI FHIR', () => {
  it('When roster, infusions and labs are delivered, then HAPI finds HbA1c at week 48 for one arm', async () => {
    await postCsv('nafld-rct-roster');
    const ack = await api.postHl7(readFileSync('examples/ras-o17-nafld-infusion.hl7'));
    expect(await ack.text()).toMatch(/MSA\|CA\|/);
    await postCsv('nafld-rct-infusions');
    await postCsv('trial-labs-long');
    const states = await api.settled(120_000);
    expect(states.dead ?? 0, JSON.stringify(states)).toBe(0);

    const studies = await resources<ResearchStudy>('ResearchStudy?_count=10');
    expect(studies).toHaveLength(3);

    const subjects = await resources<ResearchSubject>(`ResearchSubject?study:ResearchStudy.identifier=${STUDY}`);
    expect(subjects.map((s) => s.assignedArm).sort()).toEqual(['Arm A', 'Arm A', 'Arm B', 'Arm B']);
    const armA = subjects.filter((s) => s.assignedArm === 'Arm A').map((s) => s.individual.reference!);

    const week48 = await resources<Observation>(
      `Observation?code=${HBA1C}&encounter:Encounter.type=${WEEK_48}&subject=${armA.join(',')}`,
    );
    expect(week48.map((o) => o.valueQuantity?.value).sort()).toEqual([7.1, 8.3]);

    const study = studies.find((s) => s.identifier?.[0]?.value === 'uc-msc-nafld-rct')!;
    expect(await fhir.count(`Patient?_has:ResearchSubject:individual:study=ResearchStudy/${study.id}`)).toBe(4);

    // The infusion sent over HL7 is the infusion log's first row: one resource.
    const doses = await resources<MedicationAdministration>(
      `MedicationAdministration?subject:Patient.identifier=${T0101}`,
    );
    expect(doses.map((d) => d.identifier?.[0]?.value).sort()).toEqual([
      'uc-msc-nafld-rct/T-0101/dose-1',
      'uc-msc-nafld-rct/T-0101/dose-2',
      'uc-msc-nafld-rct/T-0101/dose-3',
    ]);
  });
});
