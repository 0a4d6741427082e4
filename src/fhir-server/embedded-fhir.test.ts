import type { Bundle, Observation } from '@medplum/fhirtypes';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { convertExample, EXAMPLE_MRN, get, HBA1C, openTempServer, type TempServer } from './test-support.ts';

let example: Bundle;
let server: TempServer;

beforeAll(async () => {
  example = await convertExample();
}, 60_000);
beforeEach(async () => {
  server = await openTempServer();
});
afterEach(async () => {
  await server.dispose();
});

const copy = (): Bundle => structuredClone(example);
const count = async (type: string): Promise<number> =>
  (await get(server.fhir, `${type}?_summary=count`)).body['total'] as number;

describe('embedded FHIR server', () => {
  it('When the same bundle is posted twice, then the resource count stays the same and nothing gets a new version', async () => {
    const first = await server.fhir.transaction(JSON.stringify(example));
    expect(first.status).toBe(200);
    expect((first.body as Bundle).type).toBe('transaction-response');
    const obs = await count('Observation');
    expect(obs).toBe(example.entry?.filter((e) => e.resource?.resourceType === 'Observation').length);
    const second = await server.fhir.transaction(JSON.stringify(example));
    expect(second.status).toBe(200);
    expect(await count('Observation')).toBe(obs);
    expect(await count('Patient')).toBe(1);
    const hba1c = await get(server.fhir, `Observation?code=${HBA1C}`);
    const entry = (hba1c.body['entry'] as { resource: Observation }[])[0];
    expect(entry?.resource.meta?.versionId).toBe('1');
  });

  it('When a correction is sent, then the same Observation gets version 2 and a history of 2', async () => {
    await server.fhir.transaction(JSON.stringify(example));
    const before = (await get(server.fhir, `Observation?code=${HBA1C}`)).body['entry'] as { resource: Observation }[];
    const id = before[0]?.resource.id;
    const corrected = copy();
    const obs = corrected.entry?.find(
      (e) => e.resource?.resourceType === 'Observation' && e.resource.code.coding?.[0]?.code === '4548-4',
    )?.resource as Observation;
    obs.status = 'corrected';
    obs.valueQuantity = { ...obs.valueQuantity, value: 7.1 };
    expect((await server.fhir.transaction(JSON.stringify(corrected))).status).toBe(200);
    const after = await get(server.fhir, `Observation/${id}`);
    expect(after.body['status']).toBe('corrected');
    expect((after.body['meta'] as { versionId: string }).versionId).toBe('2');
    const history = await get(server.fhir, `Observation/${id}/_history`);
    expect(history.body['total']).toBe(2);
    const v1 = await get(server.fhir, `Observation/${id}/_history/1`);
    expect(v1.body['status']).toBe('final');
  });

  it('When one resource of a bundle is invalid, then nothing of the bundle is stored and the entry is named', async () => {
    const bad = copy();
    const entries = bad.entry ?? [];
    const last = entries.length - 1;
    (entries[last]?.resource as unknown as Record<string, unknown>)['status'] = 'bogus';
    const lastType = entries[last]?.resource?.resourceType;
    const res = await server.fhir.transaction(JSON.stringify(bad));
    expect(res.status).toBe(400);
    const issues = (res.body as { issue: { expression?: string[] }[] }).issue;
    expect(issues.some((i) => i.expression?.some((e) => e.startsWith('Bundle.entry[')))).toBe(true);
    expect(lastType).toBeDefined();
    for (const type of ['Patient', 'Observation', 'Provenance', lastType as string]) expect(await count(type)).toBe(0);
  });

  it('When the server is closed and reopened, then the data is still there', async () => {
    await server.fhir.transaction(JSON.stringify(example));
    const obs = await count('Observation');
    expect(obs).toBeGreaterThan(0);
    const fhir = await server.reopen();
    expect((await get(fhir, 'Observation?_summary=count')).body['total']).toBe(obs);
  });

  it('When searching by LOINC code and the patient identifier chained through subject, then the HbA1c is found', async () => {
    await server.fhir.transaction(JSON.stringify(example));
    const res = await get(server.fhir, `Observation?code=${HBA1C}&subject:Patient.identifier=${EXAMPLE_MRN}`);
    expect(res.status).toBe(200);
    const found = res.body['entry'] as { resource: Observation }[];
    expect(found).toHaveLength(1);
    expect(found[0]?.resource.code.coding?.[0]?.code).toBe('4548-4');
    const other = await get(server.fhir, `Observation?code=${HBA1C}&subject:Patient.identifier=x|nobody`);
    expect(other.body['total']).toBe(0);
  });

  it('When a parameter or modifier is not supported, then 400 names it', async () => {
    for (const [url, name] of [
      ['Observation?foo=1', 'foo'],
      ['Observation?code:below=1', 'code:below'],
      ['Observation?date=ap2026', 'date'],
      ['Observation?_summary=true', '_summary'],
      ['Observation?_sort=code', '_sort=code'],
      ['Observation?subject:Patient=1', 'subject:Patient'],
    ] as const) {
      const res = await get(server.fhir, url);
      expect(res.status, url).toBe(400);
      expect(JSON.stringify(res.body), url).toContain(name);
    }
  });

  it('When a conditional update in a bundle uses an unsupported parameter, then the bundle is refused up front', async () => {
    const b = copy();
    const e = b.entry?.find((x) => x.resource?.resourceType === 'Observation');
    if (e?.request) e.request.url = 'Observation?foo=bar';
    const res = await server.fhir.transaction(JSON.stringify(b));
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('foo');
    expect(await count('Patient')).toBe(0);
  });
});
