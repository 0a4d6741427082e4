import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Buffer } from 'node:buffer';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { frameMllp } from './mllp-framer.ts';
import { sleep, useTestServers, testMessage, waitFor } from './test-support.ts';

/** A full garbage collection, so memory figures count what is still referenced, not what awaits collection. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

const text = (b: Buffer): string => b.toString('latin1');

const { setup, rawConnect } = useTestServers();

describe('MllpServer limits', () => {
  it('When a frame is over the limit, then the reject is sent, the connection closed, and others unaffected', async () => {
    const heads: string[] = [];
    const { connect } = await setup({
      maxMessageBytes: 10_000,
      onOversized: (head) => {
        heads.push(head.toString('latin1').split('\r')[0] ?? '');
        return Buffer.from('REJECT');
      },
    });
    const other = await connect();
    const big = await connect();
    const reply = big.send(testMessage('BIG', 200_000));
    expect(text(await reply)).toBe('REJECT');
    await big.closed;
    expect(heads).toEqual([testMessage('BIG').split('\r')[0]]);
    expect(text(await other.send(testMessage('N1')))).toBe('ACK|N1');
  });

  it('When a frame is over the limit, then the server holds at most the limit in memory for it', async () => {
    const { port, server } = await setup({ maxMessageBytes: 64 * 1024, onOversized: () => Buffer.from('R') });
    const s = await rawConnect(port);
    collectGarbage();
    const before = process.memoryUsage().arrayBuffers;
    s.write(Buffer.from([0x0b]));
    const block = Buffer.alloc(1024 * 1024, 0x41);
    for (let i = 0; i < 64; i++) {
      if (!s.write(block)) await new Promise((r) => s.once('drain', r));
    }
    // 64 MiB went through; what remains held must fall to small (the socket buffers, not the frame). Chunks already
    // discarded count until collected, and V8 frees their backing stores after the collection, not during it: so
    // collect and look again for a while. A server holding the frame would never get under the bound.
    let held = Infinity;
    await waitFor(() => {
      collectGarbage();
      held = process.memoryUsage().arrayBuffers - before;
      return held < 24 * 1024 * 1024;
    }, 3000).catch(() => undefined);
    expect(held).toBeLessThan(24 * 1024 * 1024);
    const answer = new Promise<Buffer>((resolve) => s.once('data', resolve));
    s.write(Buffer.from([0x1c, 0x0d]));
    expect(text(await answer)).toBe('\x0bR\x1c\r');
    await waitFor(() => server.connectionCount === 0);
  });

  it('When a connection stays silent past the idle timeout, then it is closed', async () => {
    const { connect, server } = await setup({ idleTimeoutMs: 100 });
    const c = await connect();
    expect(text(await c.send(testMessage('I1')))).toBe('ACK|I1');
    const t0 = Date.now();
    await c.closed;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(80);
    await waitFor(() => server.connectionCount === 0);
  });

  it('When a handler runs longer than the idle timeout, then its connection is not closed as idle', async () => {
    const { connect } = await setup({
      idleTimeoutMs: 50,
      handler: async () => {
        await sleep(200);
        return [Buffer.from('LATE')];
      },
    });
    const c = await connect();
    expect(text(await c.send(testMessage('L1')))).toBe('LATE');
  });

  it('When one sender trickles a byte every 10 ms, then another connection gets prompt ACKs', async () => {
    const { port, connect } = await setup();
    const slow = await rawConnect(port);
    const slowAck = new Promise<Buffer>((resolve) => slow.once('data', resolve));
    const bytes = frameMllp(Buffer.from(testMessage('SLOW', 60)));
    let stop = false;
    const trickle = (async () => {
      for (let i = 0; i < bytes.length && !stop; i++) {
        slow.write(bytes.subarray(i, i + 1));
        await sleep(10);
      }
    })();
    const fast = await connect();
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      expect(text(await fast.send(testMessage(`F${i}`)))).toBe(`ACK|F${i}`);
      latencies.push(performance.now() - t0);
    }
    expect(Math.max(...latencies)).toBeLessThan(200);
    await trickle;
    stop = true;
    expect(text(await slowAck)).toBe('\x0bACK|SLOW\x1c\r');
  });

  it('When 1000 connections sit idle, then another still gets prompt ACKs and heap growth stays modest', async () => {
    const { port, connect, server } = await setup();
    collectGarbage();
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    const idle: Promise<net.Socket>[] = [];
    for (let i = 0; i < 1000; i++) idle.push(rawConnect(port));
    await Promise.all(idle);
    await waitFor(() => server.connectionCount === 1000, 15_000);
    const c = await connect();
    const t0 = performance.now();
    for (let i = 0; i < 50; i++) expect(text(await c.send(testMessage(`Q${i}`)))).toBe(`ACK|Q${i}`);
    const perAck = (performance.now() - t0) / 50;
    expect(perAck).toBeLessThan(20);
    collectGarbage();
    // Both ends of 1000 sockets live in this process; each costs a few KB of heap.
    const growth = process.memoryUsage().heapUsed - heapBefore;
    expect(growth).toBeLessThan(64 * 1024 * 1024);
  });

  it('When the connection limit is reached, then further connections are refused and existing ones served', async () => {
    const { connect, port, server } = await setup({ maxConnections: 2 });
    const a = await connect();
    await connect();
    await waitFor(() => server.connectionCount === 2);
    const refused = await rawConnect(port);
    await new Promise((r) => refused.once('close', r));
    expect(server.connectionCount).toBe(2);
    expect(text(await a.send(testMessage('M1')))).toBe('ACK|M1');
  });

  it('When a pipelining sender outruns a slow handler, then handler calls never overlap and every message is answered', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const { connect } = await setup({
      handler: async (frame) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await sleep(1);
        inFlight--;
        return [Buffer.from(String(frame.length))];
      },
    });
    const c = await connect();
    const sends = Array.from({ length: 300 }, (_, i) => c.send(testMessage(`B${i}`, 8000)));
    const acks = await Promise.all(sends);
    expect(acks).toHaveLength(300);
    expect(maxInFlight).toBe(1);
  });
});
