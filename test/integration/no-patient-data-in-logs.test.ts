/**
 * No patient data in the service's logs: a `serve` process at the most verbose level takes good, broken,
 * and oversized messages over MLLP and HTTP, delivers, replays and dead-letters them (the FHIR server
 * even quotes the patient's name back in its refusal), and its log holds none of the PID or OBX contents.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { StubFhirServer } from '../../src/deliver/testing/stub-fhir-server.ts';
import { MllpClient } from '../../src/ingest/mllp/mllp-client.ts';
import { distinctMessage, readAck } from './support/hl7.ts';
import { Api } from './support/http.ts';
import { ServiceProcess } from './support/service-process.ts';
import { waitFor } from './support/wait-for.ts';

/** Patient data planted in the messages; none of it may reach the log. */
const SECRETS = {
  family: 'Zorblaxova',
  given: 'Quintavia',
  mrn: 'MRN7731905',
  street: 'Nowhere Lane',
  phone: '5550199',
  birthDate: '19471103',
  glucose: '126.4837',
  hba1c: '7.2913',
  note: 'sample taken after 10 h fast',
};

function plantedMessage(n: number, options: { obx2Code?: string } = {}): { text: string; controlId: string } {
  const m = distinctMessage(`LOG${n}`, 3);
  const text = m.text
    .replace(/\|P-LOG\d+\^/, `|${SECRETS.mrn}${n}^`)
    .replace('Lim^Wei Ming', `${SECRETS.family}^${SECRETS.given}`)
    .replace('19630412', SECRETS.birthDate)
    .replace('12 Jalan Example', `77 ${SECRETS.street}`)
    .replace('5550123', SECRETS.phone)
    .replace('|126|mg/dL|', `|${SECRETS.glucose}|mg/dL|`)
    .replace('|7.2|%|', `|${SECRETS.hba1c}|%|`)
    .replace('HBA1C^HbA1c^L', `${options.obx2Code ?? 'HBA1C'}^HbA1c^L`);
  for (const value of Object.values(SECRETS)) {
    expect(text, value).toContain(value);
  }
  return { text, controlId: m.controlId };
}

describe('logs', () => {
  let service: ServiceProcess | undefined;
  let stub: StubFhirServer | undefined;

  afterAll(async () => {
    await service?.cleanup();
    await stub?.stop();
  });

  it('carry no names, identifiers, addresses, dates of birth, OBX values or notes', async () => {
    stub = await StubFhirServer.start();
    const refused = plantedMessage(99);
    // A careless FHIR server quotes the patient back in its refusal.
    stub.respondWhen((b) => (b?.identifier as { value?: string })?.value === refused.controlId, {
      status: 400,
      body: {
        resourceType: 'OperationOutcome',
        issue: [
          {
            severity: 'error',
            code: 'invalid',
            diagnostics: `Patient ${SECRETS.family} ${SECRETS.given} (${SECRETS.mrn}) value ${SECRETS.hba1c}`,
          },
        ],
      },
    });
    service = await ServiceProcess.start({
      env: {
        STUDYBRIDGE_LOG_LEVEL: 'trace',
        STUDYBRIDGE_FHIR_BASE_URL: stub.baseUrl,
        STUDYBRIDGE_DELIVERY_RETRY_BASE_MS: '20',
        STUDYBRIDGE_DELIVERY_RETRY_MAX_MS: '100',
        STUDYBRIDGE_MLLP_MAX_MESSAGE_BYTES: '8192',
      },
    });
    const api = new Api(service.url);

    // MLLP: good, unmapped code (rejected by the sender's policy), not HL7, oversized.
    const client = await MllpClient.connect({ host: '127.0.0.1', port: service.mllpPort });
    expect(readAck(await client.send(plantedMessage(1).text)).code).toBe('CA');
    expect(readAck(await client.send(plantedMessage(2, { obx2Code: 'NOSUCHCODE' }).text)).code).toBe('CA');
    expect(readAck(await client.send(refused.text)).code).toBe('CA');
    expect(readAck(await client.send(`${SECRETS.family}|${SECRETS.mrn}\r`)).code).toMatch(/^A[ER]$/);
    const big = plantedMessage(3).text + `NTE|1||${SECRETS.note} ${'x'.repeat(10_000)}\r`;
    expect(readAck(await client.send(big)).code).toBe('AR');
    await client.closed;

    // HTTP: good and broken.
    expect((await api.postHl7(plantedMessage(4).text)).status).toBe(200);
    expect((await api.postHl7(plantedMessage(5, { obx2Code: 'NOSUCHCODE' }).text)).status).toBeGreaterThanOrEqual(400);

    // Delivery (one refused for good), then replays of the failed and the dead ones.
    await api.settled(20_000);
    await waitFor(async () => (await api.messages('?state=dead')).messages.length === 1, 10_000, 'one dead');
    for (const m of (await api.messages('?state=failed')).messages) {
      await api.json(`/messages/${m.id}/replay`, { method: 'POST' });
    }
    await api.json('/messages/replay?state=dead', { method: 'POST' });
    await waitFor(async () => (await api.messages('?state=dead')).messages.length === 1, 10_000, 'dead again');

    service.kill('SIGTERM');
    expect((await service.exited).code).toBe(0);

    const log = service.stdout + service.stderr;
    const records = service.logRecords();
    expect(records.length, 'the service logged at trace level').toBeGreaterThan(10);
    expect(records.some((r) => r.msg === 'message stored')).toBe(true);
    const leaks = Object.entries(SECRETS).filter(([, value]) => log.includes(value));
    const leakedLines = log.split('\n').filter((l) => Object.values(SECRETS).some((v) => l.includes(v)));
    expect(
      leaks.map(([k]) => k),
      leakedLines.slice(0, 5).join('\n'),
    ).toEqual([]);
  }, 60_000);
});
