/**
 * Target down, nothing lost: while the FHIR server answers 503, or is not listening at all, messages are still
 * acknowledged (an ACK means stored, not delivered), wait as `converted`, and are all delivered once it is back.
 * A Bundle the server refuses for good goes to the dead letters with the server's reason, and a replay after
 * the fix delivers it.
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import { afterEach, describe, expect, it } from 'vitest';
import { StubFhirServer, type ReceivedRequest } from '../../src/deliver/testing/stub-fhir-server.ts';
import { distinctMessage } from './support/hl7.ts';
import { Api } from './support/http.ts';
import { startInProcess, type InProcessService } from './support/in-process.ts';
import { sendAll } from './support/mllp.ts';
import { waitFor } from './support/wait-for.ts';

const N = 12;
const RETRY = { STUDYBRIDGE_DELIVERY_RETRY_BASE_MS: '20', STUDYBRIDGE_DELIVERY_RETRY_MAX_MS: '200' };

/** MSH-10 of the message a Bundle came from (`Bundle.identifier`). */
function controlIdOf(request: ReceivedRequest): string | undefined {
  return (request.bundle?.identifier as { value?: string } | undefined)?.value;
}

function deliveredControlIds(stub: StubFhirServer): Set<string> {
  return new Set(stub.requests.filter((r) => r.status >= 200 && r.status < 300).map((r) => controlIdOf(r) ?? ''));
}

describe('the FHIR target is down', () => {
  let stub: StubFhirServer | undefined;
  let running: InProcessService | undefined;

  afterEach(async () => {
    await running?.close();
    await stub?.stop();
    running = undefined;
    stub = undefined;
  });

  async function start(): Promise<{ api: Api; port: number }> {
    stub = await StubFhirServer.start();
    running = await startInProcess({ STUDYBRIDGE_FHIR_BASE_URL: stub.baseUrl, ...RETRY });
    return { api: new Api(running.service.url), port: running.service.mllp!.port };
  }

  /** Sends N distinct messages; every one must be acknowledged as stored. */
  async function sendBatch(port: number, prefix: string): Promise<string[]> {
    const messages = Array.from({ length: N }, (_, i) => distinctMessage(`${prefix}${i}`, 3));
    const acks = await sendAll(
      port,
      messages.map((m) => m.text),
    );
    expect(acks.map((a) => [a.code, a.controlId])).toEqual(messages.map((m) => ['CA', m.controlId]));
    return messages.map((m) => m.controlId);
  }

  /**
   * Waits until delivery has been retried (some message has 2+ attempts), then checks that every message still
   * waits as `converted`. During an outage the worker pauses and probes with the oldest due messages, so newer
   * ones may not have been tried yet (attempts 0): waiting, not lost, is what matters.
   */
  async function expectWaiting(api: Api, ids: string[]): Promise<void> {
    await waitFor(
      async () => {
        const { messages } = await api.messages('?state=converted&limit=1000');
        return messages.some((m) => m.attempts >= 2);
      },
      15_000,
      'a message retried while the target is down',
    );
    const { counts, messages } = await api.messages('?limit=1000');
    expect(counts).toMatchObject({ delivered: 0, dead: 0, failed: 0, converted: ids.length });
    expect(messages.map((m) => m.controlId).sort()).toEqual([...ids].sort());
    const tried = messages.filter((m) => m.attempts > 0);
    expect(tried.length).toBeGreaterThan(0);
    for (const m of tried) expect(m.lastError?.issue?.length, m.controlId!).toBeGreaterThan(0);
  }

  /** The last errors of the waiting messages that were tried, as text. */
  async function lastErrors(api: Api): Promise<string> {
    const { messages } = await api.messages('?state=converted&limit=1000');
    return JSON.stringify(messages.filter((m) => m.attempts > 0).map((m) => m.lastError));
  }

  async function expectAllDelivered(api: Api, ids: string[]): Promise<void> {
    const counts = await api.settled(20_000);
    expect(counts).toMatchObject({ delivered: ids.length, dead: 0, failed: 0, converted: 0, received: 0 });
    const delivered = deliveredControlIds(stub!);
    expect(
      ids.filter((id) => !delivered.has(id)),
      'messages the server never accepted',
    ).toEqual([]);
    expect(delivered.size).toBe(ids.length);
  }

  it('answers 503: messages are ACKed, wait as converted while retried, and are all delivered after recovery', async () => {
    const { api, port } = await start();
    stub!.failUntilRecover({ status: 503 });
    const ids = await sendBatch(port, 'OUT');
    await expectWaiting(api, ids);
    expect(stub!.requests.every((r) => r.status === 503)).toBe(true);
    expect(await lastErrors(api)).toMatch(/503/);

    stub!.recover();
    await expectAllDelivered(api, ids);
  });

  it('is not listening (connection refused): messages wait, and are delivered when it listens again', async () => {
    const { api, port } = await start();
    await stub!.stop();
    const ids = await sendBatch(port, 'REF');
    await expectWaiting(api, ids);
    expect(await lastErrors(api)).toMatch(/ECONNREFUSED/);
    expect(stub!.requests).toHaveLength(0);

    await stub!.restart();
    await expectAllDelivered(api, ids);
  });

  it('refuses one Bundle for good (400): it goes dead with the reason, the others arrive; replay delivers it', async () => {
    const { api, port } = await start();
    let broken = true;
    const reason = 'Observation.valueQuantity: unit is not allowed by this server';
    const refusal: OperationOutcome = {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'business-rule', diagnostics: reason }],
    };
    const victim = 'MSG-BAD3';
    stub!.respondWhen((bundle) => broken && (bundle?.identifier as { value?: string })?.value === victim, {
      status: 400,
      body: refusal,
    });
    const ids = await sendBatch(port, 'BAD');
    expect(ids).toContain(victim);

    const counts = await api.settled(20_000);
    expect(counts).toMatchObject({ delivered: N - 1, dead: 1 });
    const { messages: dead } = await api.messages('?state=dead');
    expect(dead.map((m) => m.controlId)).toEqual([victim]);
    const record = await api.message(dead[0]!.id);
    expect(record.state).toBe('dead');
    expect(record.attempts).toBe(1);
    expect(JSON.stringify(record.lastError)).toContain(reason);
    expect(deliveredControlIds(stub!).has(victim)).toBe(false);

    broken = false;
    const replay = await api.json<{ replayed: number; results: Array<{ id: number; state: string }> }>(
      '/messages/replay?state=dead',
      { method: 'POST' },
    );
    expect(replay).toEqual({ replayed: 1, results: [{ id: dead[0]!.id, state: 'converted' }] });
    await expectAllDelivered(api, ids);
    expect((await api.message(dead[0]!.id)).state).toBe('delivered');
  });
});
