import { readFileSync } from 'node:fs';
import { parseSearchRequest } from '@medplum/core';
import type { Bundle, MedicationAdministration, Resource, ResearchSubject } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTempServer, type TempServer } from '../fhir-server/test-support.ts';
import type { AnyCsvLayouts } from '../map/csv/layout-types.ts';
import { loadCsvLayoutSet } from '../map/csv/load-layouts.ts';
import { loadMappings } from '../map/load-mappings.ts';
import type { Mappings } from '../map/mapping-types.ts';
import { loadValidator } from '../validate/load-validator.ts';
import type { ResourceValidator } from '../validate/types.ts';
import { createConvert } from './convert.ts';
import { convertCsvAll } from './convert-csv.ts';

// The same infusions sent by the cell-therapy unit as RAS^O17 (conformance cases) and listed in the example
// infusion logs: each must be one resource on the server, so both paths must write the same conditional URLs.
let mappings: Mappings;
let layouts: AnyCsvLayouts;
let validator: ResourceValidator;
beforeAll(async () => {
  mappings = await loadMappings('mappings');
  layouts = await loadCsvLayoutSet('mappings/csv', mappings);
  validator = await loadValidator({ profilesDir: 'profiles' });
});

const RECEIVED_AT = '2026-01-01T00:00:00Z';
const STUDY_LINK = 'http://hl7.org/fhir/StructureDefinition/workflow-researchStudy';

async function fromHl7(caseName: string): Promise<Bundle> {
  const convert = createConvert({ mappings, validator });
  const [result] = await convert(readFileSync(`test/conformance/cases/ras-o17/${caseName}.hl7`), {
    receivedAt: RECEIVED_AT,
  });
  expect(result?.outcome.issue?.filter((i) => i.severity === 'error')).toEqual([]);
  return result!.bundle!;
}
async function fromCsv(layoutId: string): Promise<Bundle[]> {
  const { results } = await convertCsvAll(
    readFileSync(`examples/csv/${layoutId}.csv`, 'utf8'),
    layouts.get(layoutId)!,
    { mappings, validator },
    { receivedAt: RECEIVED_AT },
  );
  return results.flatMap((r) => (r.bundle ? [r.bundle] : []));
}

/**
 * The entries of a type by the conditional URL they are written with (a conditional create's as a search URL), with
 * the references (Bundle-local) and the HL7 path's study link dropped, so the rest can be compared.
 */
function byUrl(bundles: Bundle[], type: string): Map<string, Resource> {
  const out = new Map<string, Resource>();
  for (const e of bundles.flatMap((b) => b.entry ?? [])) {
    if (e.resource?.resourceType !== type) continue;
    const url = e.request?.url === type ? `${type}?${e.request.ifNoneExist}` : e.request!.url!;
    const {
      subject: _s,
      individual: _i,
      medicationReference: _m,
      study: _st,
      ...rest
    } = e.resource as Resource & Record<string, unknown>;
    const extension = (rest.extension as { url: string }[] | undefined)?.filter((x) => x.url !== STUDY_LINK);
    out.set(url, { ...rest, ...(extension ? { extension } : {}) } as Resource);
  }
  return out;
}

describe('one infusion, sent as RAS^O17 and listed in an infusion log', () => {
  it.each([
    ['completed-lot-expiry-per-kg', 'safety-rct-infusions'],
    ['not-done-with-reason', 'safety-rct-infusions'],
    ['open-label-placebo-zero-cells', 'safety-rct-infusions'],
    ['blinded-study-product', 'nafld-rct-infusions'],
  ])(
    'When case %s and the log %s describe one infusion, then the administration, its Medication and Patient are one resource each',
    async (caseName, layoutId) => {
      const hl7 = [await fromHl7(caseName)];
      const csv = await fromCsv(layoutId);
      for (const type of ['MedicationAdministration', 'Medication']) {
        const [[url, resource]] = [...byUrl(hl7, type)] as [[string, Resource]];
        expect(byUrl(csv, type).get(url), `${type} ${url}`).toEqual(resource);
      }
      const [patientUrl] = [...byUrl(hl7, 'Patient').keys()];
      expect([...byUrl(csv, 'Patient').keys()]).toContain(patientUrl);
    },
  );

  it('When a subject is in the roster and named by a CTI, then the ResearchSubject identifier is the same', async () => {
    const hl7 = byUrl([await fromHl7('completed-lot-expiry-per-kg')], 'ResearchSubject');
    const csv = byUrl(await fromCsv('safety-rct-roster'), 'ResearchSubject');
    const [url] = [...hl7.keys()];
    expect(url).toBe(
      'ResearchSubject?identifier=https%3A%2F%2Fstudybridge.org%2Ffhir%2Fid%2Fuc-msc-safety-rct%2Fresearch-subject|uc-msc-safety-rct%2FS-001',
    );
    expect([...csv.keys()]).toContain(url);
  });
});

describe('on the embedded FHIR server', () => {
  let server: TempServer;
  beforeAll(async () => (server = await openTempServer()));
  afterAll(() => server?.dispose());

  async function write(bundles: Bundle[]): Promise<void> {
    for (const b of bundles) expect((await server.fhir.transaction(JSON.stringify(b))).status).toBe(200);
  }
  const find = <T extends Resource = Resource>(query: string) =>
    server.fhir.repository.searchResources(parseSearchRequest(query)) as Promise<T[]>;

  it('When an infusion comes as RAS^O17, then in the infusion log and the roster, then again as RAS^O17, then the server holds one of each and the roster arm stays', async () => {
    await write([await fromHl7('completed-lot-expiry-per-kg')]);
    await write(await fromCsv('safety-rct-roster'));
    await write(await fromCsv('safety-rct-infusions'));
    await write([await fromHl7('correction-update-in-place')]);
    const S001 = 'uc-msc-safety-rct/S-001';
    const id = 'https://studybridge.org/fhir/id/uc-msc-safety-rct';
    const admins = await find<MedicationAdministration>(
      `MedicationAdministration?identifier=${id}/medication-administration|${S001}/dose-1`,
    );
    expect(admins.map((a) => a.effectivePeriod?.end)).toEqual(['2021-03-01T10:12:00+08:00']);
    const subjects = await find<ResearchSubject>(`ResearchSubject?identifier=${id}/research-subject|${S001}`);
    expect(subjects.map((r) => [r.status, r.assignedArm])).toEqual([['off-study', 'hUC-MSC']]);
    expect(
      await find('Patient?identifier=https://studybridge.org/fhir/NamingSystem/uc-msc-safety-rct-subject|S-001'),
    ).toHaveLength(1);
    expect(await find(`Medication?identifier=${id}/medication|uc-msc-safety-rct/uc-msc/UCM-2102-01`)).toHaveLength(1);
    expect(await find('ResearchStudy')).toHaveLength(1);
  });
});
