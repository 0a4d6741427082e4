/**
 * Never acknowledge what is not durable, deliver every acknowledged message exactly once: a `serve` process is
 * killed with SIGKILL in the middle of a stream of messages on four connections, restarted on the same data
 * directory, and the store and the embedded FHIR server are compared with what was acknowledged.
 */
import type { Bundle, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MllpClient } from '../../src/ingest/mllp/mllp-client.ts';
import { createConverter } from '../../src/pipeline/create-converter.ts';
import { distinctMessage, observationCountOf, readAck } from './support/hl7.ts';
import { Api } from './support/http.ts';
import { MAPPINGS_DIR, PROFILES_DIR } from './support/paths.ts';
import { ServiceProcess } from './support/service-process.ts';
import { waitFor } from './support/wait-for.ts';

const CONNECTIONS = 4;
const PER_CONNECTION = 400;
const OBX_PER_MESSAGE = 5;
/** Kill once this many messages were acknowledged (well before all were sent). */
const KILL_AFTER_ACKS = 120;

describe('kill -9 in the middle of the load', () => {
  const processes: ServiceProcess[] = [];
  let patientSystem = '';

  beforeAll(async () => {
    // The Patient identifier system for GENHOSP MR numbers, as the converter produces it.
    const convert = await createConverter({ mappingsDir: MAPPINGS_DIR, profilesDir: PROFILES_DIR });
    const [converted] = await convert(distinctMessage('SYS', 1).text);
    const patient = converted!.bundle!.entry!.find((e) => e.resource?.resourceType === 'Patient')!.resource as Patient;
    patientSystem = patient.identifier![0]!.system!;
  });

  afterAll(async () => {
    for (const p of processes) await p.stop();
    await processes[0]?.cleanup();
  });

  it('every ACKed message is stored and delivered, and no Observation exists twice', async () => {
    const env = { STUDYBRIDGE_LOG_LEVEL: 'warn', STUDYBRIDGE_DELIVERY_RETRY_BASE_MS: '50' };
    const first = await ServiceProcess.start({ env });
    processes.push(first);

    const acked = new Set<string>();
    const sent = new Map<string, number>(); // control id → OBX count
    const clients = await Promise.all(
      Array.from({ length: CONNECTIONS }, () => MllpClient.connect({ host: '127.0.0.1', port: first.mllpPort })),
    );
    let inFlight = 0;
    let inFlightAtKill = -1;
    const killed = waitFor(() => acked.size >= KILL_AFTER_ACKS, 30_000, `${KILL_AFTER_ACKS} ACKs`).then(() => {
      inFlightAtKill = inFlight;
      first.kill('SIGKILL');
    });
    const senders = clients.map(async (client, c) => {
      for (let i = 0; i < PER_CONNECTION; i++) {
        const m = distinctMessage(`K${c}N${i}`, OBX_PER_MESSAGE);
        sent.set(m.controlId, observationCountOf(m.text));
        inFlight++;
        try {
          const ack = readAck(await client.send(m.text));
          expect(ack.controlId).toBe(m.controlId);
          if (ack.code === 'CA' || ack.code === 'AA') acked.add(ack.controlId);
        } catch {
          return; // the connection died with the process
        } finally {
          inFlight--;
        }
      }
    });
    await killed;
    await Promise.all(senders);
    await Promise.all(clients.map((c) => c.close()));
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(inFlightAtKill, 'messages were in flight when the process was killed').toBeGreaterThan(0);
    expect(acked.size).toBeLessThan(CONNECTIONS * PER_CONNECTION);

    const second = await first.restart();
    processes.push(second);
    const api = new Api(second.url);
    const counts = await api.settled(60_000);
    expect(counts.dead).toBe(0);
    expect(counts.failed).toBe(0);

    const stored = await api.allMessages();
    const byControlId = new Map(stored.map((m) => [m.controlId!, m]));
    // Stored at most once each, and only what was sent.
    expect(byControlId.size).toBe(stored.length);
    for (const id of byControlId.keys()) expect(sent.has(id), id).toBe(true);
    // ACKed ⇒ stored and delivered.
    const missing = [...acked].filter((id) => byControlId.get(id)?.state !== 'delivered');
    expect(missing, 'ACKed messages not delivered').toEqual([]);

    // Each stored message's Observations exist exactly once on the FHIR server (conditional updates after a
    // redelivery of a transaction that was committed before the kill but not marked delivered).
    const expectedTotal = stored.reduce((n, m) => n + sent.get(m.controlId!)!, 0);
    const total = await api.search('Observation?_summary=count');
    expect(total.total).toBe(expectedTotal);
    const patients = await api.search('Patient?_summary=count');
    expect(patients.total).toBe(stored.length);
    const perPatient = await Promise.all(
      stored.map(async (m) => {
        const patient = m.controlId!.replace(/^MSG-/, 'P-');
        const q = encodeURIComponent(`${patientSystem}|${patient}`);
        const bundle: Bundle = await api.search(`Observation?subject:Patient.identifier=${q}&_summary=count`);
        return [m.controlId!, bundle.total] as const;
      }),
    );
    const wrong = perPatient.filter(([id, n]) => n !== sent.get(id));
    expect(wrong, 'patients whose Observation count differs from their OBX count').toEqual([]);
  }, 120_000);
});
