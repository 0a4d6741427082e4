/**
 * Idempotency through the whole service: the same message twice is stored twice but changes nothing on the
 * FHIR server (conditional updates), and a correction (OBX-11 = C) updates the same Observation, which then has
 * two versions.
 */
import type { Bundle, Observation } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distinctMessage } from './support/hl7.ts';
import { Api } from './support/http.ts';
import { startInProcess, type InProcessService } from './support/in-process.ts';
import { sendAll } from './support/mllp.ts';

const TYPES = [
  'Patient',
  'Encounter',
  'ServiceRequest',
  'DiagnosticReport',
  'Specimen',
  'Observation',
  'Provenance',
] as const;

describe('idempotent delivery through the service', () => {
  let running: InProcessService;
  let api: Api;
  let port: number;

  beforeAll(async () => {
    running = await startInProcess();
    api = new Api(running.service.url);
    port = running.service.mllp!.port;
  });
  afterAll(() => running?.close());

  async function resourceCounts(): Promise<Record<string, number>> {
    const entries = await Promise.all(
      TYPES.map(async (t) => [t, (await api.search(`${t}?_summary=count`)).total ?? -1] as const),
    );
    return Object.fromEntries(entries);
  }

  /** The HbA1c Observation (LOINC 4548-4) of patient `P-<key>` (identifier value, any system). */
  async function hba1c(key: string): Promise<Observation> {
    const bundle: Bundle = await api.search(
      `Observation?code=${encodeURIComponent('http://loinc.org|4548-4')}&subject:Patient.identifier=P-${key}`,
    );
    expect(bundle.entry, `one HbA1c Observation for ${key}`).toHaveLength(1);
    return bundle.entry![0]!.resource as Observation;
  }

  it('stores the same message twice but keeps the FHIR resource counts', async () => {
    const m = distinctMessage('IDEM', 15);
    const [first] = await sendAll(port, [m.text]);
    expect(first!.code).toBe('CA');
    await api.settled();
    const after1 = await resourceCounts();
    expect(after1).toEqual({
      Patient: 1,
      Encounter: 1,
      ServiceRequest: 1,
      DiagnosticReport: 1,
      Specimen: 1,
      Observation: 15,
      Provenance: 1,
    });

    const [second] = await sendAll(port, [m.text]);
    expect(second!.code).toBe('CA');
    const counts = await api.settled();
    expect(counts.delivered).toBe(2);
    const stored = (await api.messages()).messages.filter((x) => x.controlId === m.controlId);
    expect(stored).toHaveLength(2);
    expect(stored.every((x) => x.state === 'delivered')).toBe(true);
    expect(await resourceCounts()).toEqual(after1);
  });

  it('applies a correction (OBX-11 = C) to the same Observation: new value, two versions', async () => {
    const original = distinctMessage('CORR', 15);
    await sendAll(port, [original.text]);
    await api.settled();
    const before = await hba1c('CORR');
    expect(before.valueQuantity?.value).toBe(7.2);
    expect(before.status).toBe('final');

    const corrected = original.text
      .replace(`|${original.controlId}|`, `|${original.controlId}-C|`)
      .replace('|HBA1C^HbA1c^L||7.2|%|4.0-5.6|H|||F|', '|HBA1C^HbA1c^L||7.9|%|4.0-5.6|H|||C|');
    expect(corrected).toContain('||7.9|%');
    const [ack] = await sendAll(port, [corrected]);
    expect([ack!.code, ack!.controlId]).toEqual(['CA', `${original.controlId}-C`]);
    await api.settled();

    const after = await hba1c('CORR');
    expect(after.id).toBe(before.id);
    expect(after.valueQuantity?.value).toBe(7.9);
    expect(after.status).toBe('corrected');
    const history: Bundle = await api.search(`Observation/${after.id}/_history`);
    expect(history.entry).toHaveLength(2);
    const values = history.entry!.map((e) => (e.resource as Observation).valueQuantity?.value).sort();
    expect(values).toEqual([7.2, 7.9]);
    // The untouched Observations of the panel are still one each.
    const panel: Bundle = await api.search('Observation?subject:Patient.identifier=P-CORR&_summary=count');
    expect(panel.total).toBe(15);
  });
});
