import type { Server } from 'node:http';
import type { CapabilityStatement } from '@medplum/fhirtypes';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedFhirTarget } from './embedded-target.ts';
import { convertExample, openTempServer, type TempServer } from './test-support.ts';

let server: TempServer;
let http: Server;
let base = '';

beforeAll(async () => {
  server = await openTempServer();
  const app = express();
  app.use('/fhir', server.fhir.router());
  http = await new Promise<Server>((resolve) => {
    const s = app.listen(0, () => resolve(s));
  });
  const addr = http.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/fhir`;
});
afterAll(async () => {
  await new Promise((resolve) => http.close(resolve));
  await server.dispose();
});

const json = { 'content-type': 'application/fhir+json' };
const patient = { resourceType: 'Patient', gender: 'female', birthDate: '1970-01-01' };

describe('FHIR routes', () => {
  it('When a resource is created, read, updated with If-Match and read with If-None-Match, then versions are enforced', async () => {
    const created = await fetch(`${base}/Patient`, { method: 'POST', headers: json, body: JSON.stringify(patient) });
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toContain('application/fhir+json');
    const { id } = (await created.json()) as { id: string };
    expect(created.headers.get('location')).toBe(`${base}/Patient/${id}/_history/1`);
    const read = await fetch(`${base}/Patient/${id}`);
    expect(read.headers.get('etag')).toBe('W/"1"');
    const body = JSON.stringify({ ...patient, id, gender: 'male' });
    const stale = await fetch(`${base}/Patient/${id}`, {
      method: 'PUT',
      headers: { ...json, 'if-match': 'W/"7"' },
      body,
    });
    expect(stale.status).toBe(412);
    const ok = await fetch(`${base}/Patient/${id}`, { method: 'PUT', headers: { ...json, 'if-match': 'W/"1"' }, body });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).toBe('W/"2"');
    expect((await fetch(`${base}/Patient/${id}`, { headers: { 'if-none-match': 'W/"2"' } })).status).toBe(304);
    expect((await fetch(`${base}/Patient/${id}`, { headers: { 'if-none-match': 'W/"1"' } })).status).toBe(200);
  });

  it('When a conditional create finds its match, then no second resource is made', async () => {
    const withId = { ...patient, identifier: [{ system: 'https://example.org/mrn', value: 'C-1' }] };
    const headers = { ...json, 'if-none-exist': 'identifier=https://example.org/mrn|C-1' };
    const a = await fetch(`${base}/Patient`, { method: 'POST', headers, body: JSON.stringify(withId) });
    const b = await fetch(`${base}/Patient`, { method: 'POST', headers, body: JSON.stringify(withId) });
    expect([a.status, b.status]).toEqual([201, 200]);
    const found = (await (await fetch(`${base}/Patient?identifier=C-1`)).json()) as { total: number };
    expect(found.total).toBe(1);
  });

  it('When an invalid resource is posted, then 400 with the validator issues and nothing is stored', async () => {
    const res = await fetch(`${base}/Patient`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ ...patient, gender: 'sometimes', identifier: [{ value: 'BAD-1' }] }),
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('gender');
    expect(((await (await fetch(`${base}/Patient?identifier=BAD-1`)).json()) as { total: number }).total).toBe(0);
  });

  it('When the body is not JSON, then 400 OperationOutcome', async () => {
    const res = await fetch(`${base}/Patient`, { method: 'POST', headers: json, body: '{nope' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
  });

  it('When metadata is read, then it lists the supported search parameters and nothing unsupported', async () => {
    const cs = (await (await fetch(`${base}/metadata`)).json()) as CapabilityStatement;
    const obs = cs.rest?.[0]?.resource?.find((r) => r.type === 'Observation');
    const names = obs?.searchParam?.map((p) => p.name) ?? [];
    expect(names).toEqual(expect.arrayContaining(['code', 'subject', 'patient', 'date', 'value-quantity', '_id']));
    expect(names).not.toContain('combo-code');
    expect(obs?.conditionalUpdate).toBe(true);
  });

  it('When a converted bundle is delivered through the target, then Patient/$everything returns its resources', async () => {
    const bundle = await convertExample();
    const target = new EmbeddedFhirTarget(server.fhir);
    expect(await target.send(JSON.stringify(bundle))).toEqual({ kind: 'delivered', status: 200 });
    const pats = (await (await fetch(`${base}/Patient?identifier=S-0042`)).json()) as {
      entry: { resource: { id: string } }[];
    };
    const pid = pats.entry[0]?.resource.id;
    const all = (await (await fetch(`${base}/Patient/${pid}/$everything`)).json()) as { entry: unknown[] };
    expect(all.entry.length).toBe(bundle.entry?.length);
  });
});

describe('EmbeddedFhirTarget', () => {
  it('When the bundle is invalid, then the outcome is permanent with the OperationOutcome', async () => {
    const bundle = await convertExample();
    (bundle.entry?.[1]?.resource as unknown as Record<string, unknown>)['gender'] = 'bogus';
    const out = await new EmbeddedFhirTarget(server.fhir).send(JSON.stringify(bundle));
    expect(out.kind).toBe('permanent');
    expect(out.kind === 'permanent' && out.outcome.resourceType).toBe('OperationOutcome');
  });

  it('When the server is closed, then the outcome is retry', async () => {
    const other = await openTempServer();
    await other.fhir.close();
    const out = await new EmbeddedFhirTarget(other.fhir).send(JSON.stringify(await convertExample()));
    expect(out.kind).toBe('retry');
    expect(await new EmbeddedFhirTarget(other.fhir).ping()).toBe(false);
    await other.dispose();
  });
});
