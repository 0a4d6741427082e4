/**
 * HAPI stopped in the middle of a run and started again: messages keep being acknowledged (an ACK means stored),
 * wait while HAPI is down, and are all delivered once it is back; nothing lost, nothing twice. This suite runs a
 * HAPI of its own on an H2 file, so its data survives the restart.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { distinctMessage } from '../integration/support/hl7.ts';
import { Api } from '../integration/support/http.ts';
import { sendAll } from '../integration/support/mllp.ts';
import { ServiceProcess } from '../integration/support/service-process.ts';
import { waitFor } from '../integration/support/wait-for.ts';
import { FhirClient } from './support/fhir-client.ts';
import { HapiServer } from './support/hapi-server.ts';

const TOTAL = 24;
const STOP_AFTER = 8;
const OBX = 5;
const jar = inject('hapiJar');
let hapi: HapiServer;
let service: ServiceProcess;

beforeAll(async () => {
  if (!jar) return;
  hapi = await HapiServer.start(jar, { dataDir: HapiServer.tempDataDir() });
  service = await ServiceProcess.start({
    env: {
      STUDYBRIDGE_FHIR_BASE_URL: hapi.baseUrl,
      STUDYBRIDGE_DELIVERY_RETRY_BASE_MS: '200',
      STUDYBRIDGE_DELIVERY_RETRY_MAX_MS: '2000',
    },
  });
});

afterAll(async () => {
  await service?.cleanup();
  await hapi?.cleanup();
});

// Needs a HAPI it can stop: skipped when the suite runs against an external server.
describe.skipIf(!jar)('HAPI stopped and started again during a run', () => {
  it('When HAPI goes down after some deliveries, then every message is acknowledged and delivered exactly once', async () => {
    const api = new Api(service.url);
    const fhir = new FhirClient(hapi.baseUrl);
    const messages = Array.from({ length: TOTAL }, (_, i) => distinctMessage(`OUT${i}`, OBX));

    const first = await sendAll(
      service.mllpPort,
      messages.slice(0, STOP_AFTER).map((m) => m.text),
    );
    expect(first.every((a) => a.code === 'CA')).toBe(true);
    // Stop HAPI as soon as some of these are delivered, while the rest may still be on their way.
    await waitFor(async () => ((await api.messages('?limit=1')).counts.delivered ?? 0) >= 2, 60_000, 'deliveries');
    await hapi.stop();

    const during = await sendAll(
      service.mllpPort,
      messages.slice(STOP_AFTER).map((m) => m.text),
    );
    expect(during.map((a) => a.code)).toEqual(Array(TOTAL - STOP_AFTER).fill('CA'));
    const waiting = await api.messages('?limit=1');
    expect(waiting.counts.converted ?? 0).toBeGreaterThan(0);
    expect(waiting.counts.dead ?? 0).toBe(0);

    await hapi.restart();
    const counts = await api.settled(180_000);
    expect(counts).toMatchObject({ delivered: TOTAL });
    expect(counts.dead ?? 0).toBe(0);

    expect(await fhir.count('Patient')).toBe(TOTAL);
    expect(await fhir.count('DiagnosticReport')).toBe(TOTAL);
    expect(await fhir.count('Observation')).toBe(TOTAL * OBX);
    // Each message's Observations once: the HbA1c of every patient is one resource.
    const hba1c = await fhir.search(`Observation?code=${encodeURIComponent('http://loinc.org|4548-4')}&_count=100`);
    const subjects = (hba1c.entry ?? []).map(
      (e) => (e.resource as { subject?: { reference?: string } }).subject?.reference,
    );
    expect(new Set(subjects).size).toBe(TOTAL);
    expect(subjects).toHaveLength(TOTAL);
  });
});
