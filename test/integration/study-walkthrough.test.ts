/**
 * The researcher's flow of the README, end to end through the service and its embedded FHIR server: the studies
 * are published at start, the blinded NAFLD trial's roster is imported, an infusion arrives over HL7 (RAS^O17) and
 * again in the infusion log, the trial's labs are imported, and HbA1c is asked for by arm at week 48 with plain FHIR
 * search. Every request here is one the README shows.
 */
import { readFileSync } from 'node:fs';
import type { Bundle, MedicationAdministration, Observation, ResearchStudy, ResearchSubject } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from './support/http.ts';
import { startInProcess, type InProcessService } from './support/in-process.ts';
import { waitFor } from './support/wait-for.ts';

const STUDY = 'https://studybridge.org/fhir/NamingSystem/study|uc-msc-nafld-rct';
const HBA1C = 'http://loinc.org|4548-4';
const WEEK_48 = 'https://studybridge.org/fhir/CodeSystem/protocol-visit|week-48';

let running: InProcessService;
let api: Api;

const search = (query: string): Promise<Bundle> => api.json<Bundle>(`/fhir/${query}`);
const resources = <T>(b: Bundle): T[] => (b.entry ?? []).map((e) => e.resource as T);

async function postCsv(layout: string): Promise<void> {
  const res = await api.request(`/csv?mapping=${layout}`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv' },
    body: readFileSync(`examples/csv/${layout}.csv`),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

beforeAll(async () => {
  running = await startInProcess({ STUDYBRIDGE_PUBLISH_STUDIES: 'true' });
  api = new Api(running.service.url);
});
afterAll(() => running?.close());

describe('a researcher follows one study from definition to cohort query', () => {
  it('When the service starts, then every study definition is a ResearchStudy on the FHIR server', async () => {
    const studies = await waitFor(
      async () => {
        const b = await search('ResearchStudy?_count=10');
        return b.entry?.length === 3 ? b : undefined;
      },
      20_000,
      'three ResearchStudies',
    );
    expect(
      resources<ResearchStudy>(studies)
        .map((s) => s.identifier?.[0]?.value)
        .sort(),
    ).toEqual(['uc-msc-nafld-rct', 'uc-msc-registry', 'uc-msc-safety-rct']);
  });

  it('When roster, infusions (HL7 and CSV) and labs arrive, then HbA1c at week 48 is found per arm', async () => {
    await postCsv('nafld-rct-roster');
    const ack = await api.postHl7(readFileSync('examples/ras-o17-nafld-infusion.hl7'));
    expect(await ack.text()).toMatch(/MSA\|CA\|/);
    await postCsv('nafld-rct-infusions');
    await postCsv('trial-labs-long');
    const counts = await api.settled(30_000);
    expect(counts.dead ?? 0).toBe(0);
    expect(counts.failed ?? 0).toBe(0);

    // 1. Who is in which arm (arm names stay neutral while the study is blinded).
    const subjects = resources<ResearchSubject>(
      await search(`ResearchSubject?study:ResearchStudy.identifier=${STUDY}&_count=100`),
    );
    expect(subjects.map((s) => s.assignedArm).sort()).toEqual(['Arm A', 'Arm A', 'Arm B', 'Arm B']);
    const armA = subjects.filter((s) => s.assignedArm === 'Arm A').map((s) => s.individual.reference);

    // 2. Their HbA1c at the week-48 visit.
    const week48 = resources<Observation>(
      await search(`Observation?code=${HBA1C}&encounter:Encounter.type=${WEEK_48}&subject=${armA.join(',')}`),
    );
    expect(week48.map((o) => o.valueQuantity?.value).sort()).toEqual([7.1, 8.3]);
    expect(week48.every((o) => armA.includes(o.subject?.reference))).toBe(true);

    // The infusion sent over HL7 (T-0101, dose 1) is also the log's first row: one resource, not two.
    const doses = resources<MedicationAdministration>(
      await search(
        'MedicationAdministration?subject:Patient.identifier=' +
          'https://studybridge.org/fhir/NamingSystem/uc-msc-trial-subject|T-0101&_count=100',
      ),
    );
    expect(doses.map((d) => d.identifier?.[0]?.value).sort()).toEqual([
      'uc-msc-nafld-rct/T-0101/dose-1',
      'uc-msc-nafld-rct/T-0101/dose-2',
      'uc-msc-nafld-rct/T-0101/dose-3',
    ]);
  });
});
