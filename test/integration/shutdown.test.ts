/**
 * SIGTERM while messages are in flight: every ACK that arrives is for a stored message, the process exits 0
 * within 10 s, and the data is there after a restart.
 */
import { Buffer } from 'node:buffer';
import { afterAll, describe, expect, it } from 'vitest';
import { MllpClient } from '../../src/ingest/mllp/mllp-client.ts';
import { distinctMessage, readAck } from './support/hl7.ts';
import { Api } from './support/http.ts';
import { ServiceProcess } from './support/service-process.ts';

describe('graceful stop on SIGTERM', () => {
  const processes: ServiceProcess[] = [];

  afterAll(async () => {
    for (const p of processes) await p.stop();
    await processes[0]?.cleanup();
  });

  it('ACKed ⇒ stored, exit 0 within 10 s, data survives the restart', async () => {
    const first = await ServiceProcess.start({ env: { STUDYBRIDGE_LOG_LEVEL: 'warn' } });
    processes.push(first);
    const client = await MllpClient.connect({ host: '127.0.0.1', port: first.mllpPort });
    const messages = Array.from({ length: 40 }, (_, i) => distinctMessage(`SD${i}`, 15));
    // Pipelined: all 40 are written at once; the server handles them one by one, in order.
    const answers = messages.map((m) => client.send(m.text));
    // A second sender has written half a frame when the stop comes.
    const partial = await MllpClient.connect({ host: '127.0.0.1', port: first.mllpPort });
    const half = distinctMessage('SDHALF', 1);
    // Start block and 200 bytes of the message, never the end block.
    partial.writeRaw(Buffer.from(`\x0b${half.text.slice(0, 200)}`, 'utf8'));
    const partialAnswer = partial.next().then(
      () => 'answered',
      () => 'closed',
    );

    const firstAck = readAck(await answers[0]!);
    expect([firstAck.code, firstAck.controlId]).toEqual(['CA', messages[0]!.controlId]);
    const stopAt = Date.now();
    first.kill('SIGTERM');
    const settled = await Promise.allSettled(answers);
    const exit = await first.exited;
    const stopMs = Date.now() - stopAt;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(stopMs).toBeLessThan(10_000);
    expect(await partialAnswer).toBe('closed');

    const acked: string[] = [];
    settled.forEach((s, i) => {
      if (s.status !== 'fulfilled') return;
      const ack = readAck(s.value);
      expect(ack.controlId).toBe(messages[i]!.controlId);
      expect(ack.code).toBe('CA');
      acked.push(ack.controlId);
    });
    // Answers come in order: once one is missing, none after it arrived.
    const firstMissing = settled.findIndex((s) => s.status === 'rejected');
    if (firstMissing >= 0) expect(settled.slice(firstMissing).every((s) => s.status === 'rejected')).toBe(true);
    await client.close();
    await partial.close();

    const second = await first.restart();
    processes.push(second);
    const api = new Api(second.url);
    const stored = await api.allMessages();
    const storedIds = new Set(stored.map((m) => m.controlId));
    expect(storedIds.size).toBe(stored.length);
    expect(
      acked.filter((id) => !storedIds.has(id)),
      'ACKed but not stored',
    ).toEqual([]);
    expect(storedIds.has(half.controlId)).toBe(false);
    const counts = await api.settled(30_000);
    expect(counts).toMatchObject({ delivered: stored.length, dead: 0, failed: 0 });
  }, 60_000);
});
