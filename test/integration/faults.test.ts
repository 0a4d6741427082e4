/**
 * Bad input never crashes the listener: garbage, a frame without MSH, an oversized frame, a slow sender, a
 * thousand idle connections and a message that fails mapping — and after each, the `serve` process is alive and
 * other connections are answered.
 */
import { Buffer } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MllpClient } from '../../src/ingest/mllp/mllp-client.ts';
import { distinctMessage, readAck } from './support/hl7.ts';
import { Api } from './support/http.ts';
import { metricValue } from './support/metrics.ts';
import { CASES_DIR } from './support/paths.ts';
import { ServiceProcess } from './support/service-process.ts';
import { delay, waitFor } from './support/wait-for.ts';

const MAX_MESSAGE_BYTES = 64 * 1024;

describe('faults on the MLLP listener', () => {
  let service: ServiceProcess;
  let api: Api;
  let counter = 0;
  const clients: MllpClient[] = [];

  beforeAll(async () => {
    service = await ServiceProcess.start({
      env: { STUDYBRIDGE_MLLP_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES), STUDYBRIDGE_LOG_LEVEL: 'warn' },
    });
    api = new Api(service.url);
  });

  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await service?.cleanup();
  });

  async function connect(): Promise<MllpClient> {
    const client = await MllpClient.connect({ host: '127.0.0.1', port: service.mllpPort });
    clients.push(client);
    return client;
  }

  /** A fresh connection still gets its message accepted (CA: the example asks for a commit ACK). */
  async function expectStillAccepting(): Promise<void> {
    expect(service.running, 'the service process is alive').toBe(true);
    const m = distinctMessage(`F${++counter}`, 1);
    const client = await connect();
    const ack = readAck(await client.send(m.text));
    expect([ack.code, ack.controlId]).toEqual(['CA', m.controlId]);
    await client.close();
  }

  async function metrics(): Promise<string> {
    return (await api.request('/metrics')).text();
  }

  it('skips garbage without framing, and the same connection then gets its message through', async () => {
    const client = await connect();
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256).filter((b) => b !== 0x0b));
    client.writeRaw(garbage);
    client.writeRaw(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    const m = distinctMessage('GARBAGE', 1);
    const ack = readAck(await client.send(m.text));
    expect([ack.code, ack.controlId]).toEqual(['CA', m.controlId]);
    await waitFor(
      async () => (metricValue(await metrics(), 'studybridge_mllp_discarded_bytes_total') ?? 0) > 0,
      5000,
      'discarded bytes counted',
    );
    await expectStillAccepting();
  });

  it('answers a frame without MSH with a reject ACK and keeps the connection usable', async () => {
    const client = await connect();
    const ack = readAck(await client.send('this is not HL7 at all\rPID|1||X\r'));
    expect(['AR', 'AE', 'CR', 'CE']).toContain(ack.code);
    expect(ack.errors.length).toBeGreaterThan(0);
    const m = distinctMessage('AFTERNOMSH', 1);
    const next = readAck(await client.send(m.text));
    expect([next.code, next.controlId]).toEqual(['CA', m.controlId]);
    await expectStillAccepting();
  });

  it('rejects an oversized frame (1 MiB over a 64 KiB limit) with AR, then closes that connection', async () => {
    const client = await connect();
    const m = distinctMessage('HUGE', 1);
    const huge = m.text + `NTE|1||${'x'.repeat(1024 * 1024)}\r`;
    const ack = readAck(await client.send(huge));
    expect(ack.code).toBe('AR');
    expect(ack.controlId).toBe(m.controlId);
    expect(ack.text).toMatch(/larger than the maximum/);
    await client.closed; // the server hangs up: the rest of the frame cannot be trusted
    expect(metricValue(await metrics(), 'studybridge_mllp_oversized_frames_total')).toBe(1);
    await expectStillAccepting();
    // Nothing of it was stored.
    const { messages } = await api.messages('?limit=1000');
    expect(messages.some((x) => x.controlId === m.controlId)).toBe(false);
  });

  it('answers 50 quick messages on one connection while another sends one message a byte at a time', async () => {
    const slow = await connect();
    const slowMessage = distinctMessage('SLOW', 1);
    const bytes = Buffer.from(`\x0b${slowMessage.text}\x1c\r`, 'utf8');
    const slowAck = slow.next();
    let slowDone = false;
    const trickle = (async () => {
      for (let i = 0; i < bytes.length; i++) {
        slow.writeRaw(bytes.subarray(i, i + 1));
        await delay(2);
      }
      slowDone = true;
    })();

    const fast = await connect();
    const quick = Array.from({ length: 50 }, (_, i) => distinctMessage(`QUICK${i}`, 1));
    const acks = await Promise.all(quick.map((m) => fast.send(m.text)));
    expect(slowDone, 'the quick messages were all answered before the slow one was complete').toBe(false);
    expect(acks.map((a) => readAck(a)).map((a) => [a.code, a.controlId])).toEqual(
      quick.map((m) => ['CA', m.controlId]),
    );

    await trickle;
    const ack = readAck(await slowAck);
    expect([ack.code, ack.controlId]).toEqual(['CA', slowMessage.controlId]);
  });

  it('holds 1000 idle connections, still answers a new one promptly, and its memory stays bounded', async () => {
    const limit = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
    const idle = Number.isFinite(limit) ? Math.min(1000, Math.floor((limit - 200) / 2)) : 1000;
    expect(idle, `ulimit -n is ${limit}`).toBeGreaterThanOrEqual(200);
    const rssBefore = metricValue(await metrics(), 'studybridge_process_resident_memory_bytes')!;
    expect(rssBefore).toBeGreaterThan(0);

    const sockets: net.Socket[] = [];
    try {
      for (let i = 0; i < idle; i += 100) {
        const batch = await Promise.all(
          Array.from(
            { length: Math.min(100, idle - i) },
            () =>
              new Promise<net.Socket>((resolve, reject) => {
                const s = net.connect({ host: '127.0.0.1', port: service.mllpPort }, () => resolve(s));
                s.once('error', reject);
              }),
          ),
        );
        sockets.push(...batch);
      }
      await waitFor(
        async () => (metricValue(await metrics(), 'studybridge_mllp_connections') ?? 0) >= idle,
        15_000,
        `${idle} connections open at the server`,
      );
      const started = performance.now();
      await expectStillAccepting();
      expect(performance.now() - started, 'ACK latency with idle connections open (ms)').toBeLessThan(2000);
      const rssAfter = metricValue(await metrics(), 'studybridge_process_resident_memory_bytes')!;
      expect(rssAfter - rssBefore).toBeLessThan(150 * 1024 * 1024);
    } finally {
      for (const s of sockets) s.destroy();
    }
    await waitFor(
      async () => (metricValue(await metrics(), 'studybridge_mllp_connections') ?? Infinity) < 10,
      10_000,
      'idle connections gone',
    );
  });

  it('answers a message that fails mapping with AE naming the location; stored as failed; replay keeps it failed', async () => {
    const original = readFileSync(path.join(CASES_DIR, 'unmapped-code-reject.hl7'), 'utf8').replace(/\r?\n/g, '\r');
    // Original acknowledgment mode (MSH-15 and MSH-16 empty): one application ACK.
    const text = original.replace('|P|2.5.1|||AL|NE|', '|P|2.5.1|||||');
    expect(text).not.toBe(original);
    const client = await connect();
    const ack = readAck(await client.send(text));
    expect(ack.code).toBe('AE');
    expect(ack.controlId).toBe('GH-UNM-01');
    // ERR-2 (v2.5 ERL) names OBX 2, field 3: the unmapped local code.
    expect(ack.errors.some((e) => e.split('|')[2]?.startsWith('OBX^2^3'))).toBe(true);
    expect(ack.errors.join('\r')).toMatch(/map\.unmapped-code/);

    const { messages } = await api.messages('?state=failed');
    const failed = messages.find((m) => m.controlId === 'GH-UNM-01');
    expect(failed).toBeDefined();
    expect(JSON.stringify(failed!.lastError)).toContain('OBX[2].3');

    const replay = await api.json<{ id: number; state: string; code?: string }>(`/messages/${failed!.id}/replay`, {
      method: 'POST',
    });
    expect(replay).toEqual({ id: failed!.id, state: 'failed', code: 'map.unmapped-code' });
    expect((await api.message(failed!.id)).state).toBe('failed');
    await expectStillAccepting();
  });

  it('sends both ACKs in enhanced mode (MSH-16 ER): CA for stored, then AE for the content error', async () => {
    const original = readFileSync(path.join(CASES_DIR, 'unmapped-code-reject.hl7'), 'utf8').replace(/\r?\n/g, '\r');
    const text = original.replace('|AL|NE|', '|AL|ER|').replace('|GH-UNM-01|', '|GH-UNM-02|');
    const client = await connect();
    const commit = readAck(await client.send(text));
    const application = readAck(await client.next());
    expect([commit.code, commit.controlId]).toEqual(['CA', 'GH-UNM-02']);
    expect([application.code, application.controlId]).toEqual(['AE', 'GH-UNM-02']);
    expect(application.errors.length).toBeGreaterThan(0);
  });
});
