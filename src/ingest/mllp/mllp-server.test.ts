import { Buffer } from 'node:buffer';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { MllpClient } from './mllp-client.ts';
import { frameMllp } from './mllp-framer.ts';
import { controlIdOf, echoAck, sleep, useTestServers, testMessage, waitFor } from './test-support.ts';

const framed = (text: string): Buffer => frameMllp(Buffer.from(text, 'latin1'));
const text = (b: Buffer): string => b.toString('latin1');

const { setup } = useTestServers();

describe('MllpServer', () => {
  it('When two messages arrive in one write, then both are acknowledged in order (A)', async () => {
    const { connect } = await setup();
    const c = await connect();
    c.writeRaw(Buffer.concat([framed(testMessage('A1')), framed(testMessage('A2'))]));
    expect([text(await c.next()), text(await c.next())]).toEqual(['ACK|A1', 'ACK|A2']);
  });

  it('When a message arrives in three writes and the last is a lone CR, then it is acknowledged (B)', async () => {
    const { connect } = await setup();
    const c = await connect();
    const bytes = framed(testMessage('B1'));
    c.writeRaw(bytes.subarray(0, 40));
    await sleep(20);
    c.writeRaw(bytes.subarray(40, bytes.length - 1));
    await sleep(20);
    c.writeRaw(bytes.subarray(bytes.length - 1));
    expect(text(await c.next())).toBe('ACK|B1');
  });

  it('When 1.5 messages arrive and then the rest, then both are acknowledged (C)', async () => {
    const { connect } = await setup();
    const c = await connect();
    const all = Buffer.concat([framed(testMessage('C1')), framed(testMessage('C2'))]);
    const cut = Math.floor(all.length * 0.75);
    c.writeRaw(all.subarray(0, cut));
    expect(text(await c.next())).toBe('ACK|C1');
    c.writeRaw(all.subarray(cut));
    expect(text(await c.next())).toBe('ACK|C2');
  });

  it('When the first 50 bytes come one at a time, then the message is acknowledged once (D)', async () => {
    const { connect } = await setup();
    const c = await connect();
    const bytes = framed(testMessage('D1'));
    for (let i = 0; i < 50; i++) {
      c.writeRaw(bytes.subarray(i, i + 1));
      await sleep(1);
    }
    c.writeRaw(bytes.subarray(50));
    expect(text(await c.next())).toBe('ACK|D1');
    c.writeRaw(framed(testMessage('D2')));
    expect(text(await c.next())).toBe('ACK|D2');
  });

  it('When a frame holds no MSH, then the handler still answers it (E)', async () => {
    const { connect } = await setup();
    const c = await connect();
    expect(text(await c.send('no header here'))).toBe('ACK|?');
  });

  it('When garbage arrives outside frames, then it is counted and the connection keeps working', async () => {
    let discarded = 0;
    const { connect } = await setup({ onDiscardedBytes: (n) => (discarded += n) });
    const c = await connect();
    c.writeRaw(Buffer.from('GET / HTTP/1.1\r\n\r\n\x00\xff\x1c\r', 'latin1'));
    await sleep(20);
    expect(text(await c.send(testMessage('G1')))).toBe('ACK|G1');
    expect(discarded).toBe(22);
  });

  it('When several sends are pipelined, then each gets its own ACK in order', async () => {
    const { connect } = await setup();
    const c = await connect();
    const ids = Array.from({ length: 50 }, (_, i) => `P${i}`);
    const acks = await Promise.all(ids.map((id) => c.send(testMessage(id))));
    expect(acks.map(text)).toEqual(ids.map((id) => `ACK|${id}`));
  });

  it('When the handler is slow for early frames, then ACKs still follow message order on the connection', async () => {
    const started: string[] = [];
    const { connect } = await setup({
      handler: async (frame) => {
        const id = controlIdOf(frame);
        started.push(id);
        await sleep(id === 'O0' ? 80 : id === 'O1' ? 40 : 1);
        return echoAck(frame);
      },
    });
    const c = await connect();
    const acks = await Promise.all(['O0', 'O1', 'O2', 'O3'].map((id) => c.send(testMessage(id))));
    expect(acks.map(text)).toEqual(['ACK|O0', 'ACK|O1', 'ACK|O2', 'ACK|O3']);
    expect(started).toEqual(['O0', 'O1', 'O2', 'O3']);
  });

  it('When the handler returns two responses, then both are framed and sent in order', async () => {
    const { connect } = await setup({ handler: async () => [Buffer.from('CA'), Buffer.from('AA')] });
    const c = await connect();
    expect(text(await c.send(testMessage('E1')))).toBe('CA');
    expect(text(await c.next())).toBe('AA');
  });

  it('When many connections send at once, then every message on every connection is acknowledged', async () => {
    const { connect, server } = await setup({
      handler: async (frame) => {
        await sleep(Math.random() * 3);
        return echoAck(frame);
      },
    });
    const conns = await Promise.all(Array.from({ length: 40 }, () => connect()));
    await waitFor(() => server.connectionCount === 40);
    const results = await Promise.all(
      conns.map((c, ci) => Promise.all(Array.from({ length: 20 }, (_, i) => c.send(testMessage(`K${ci}-${i}`))))),
    );
    results.forEach((acks, ci) =>
      expect(acks.map(text)).toEqual(Array.from({ length: 20 }, (_, i) => `ACK|K${ci}-${i}`)),
    );
  });

  it('When a handler throws, then only that connection is closed and the listener keeps serving', async () => {
    const { connect } = await setup({
      handler: async (frame) => {
        if (controlIdOf(frame) === 'BOOM') throw new Error('patient data must not be logged');
        return echoAck(frame);
      },
    });
    const bad = await connect();
    const good = await connect();
    await expect(bad.send(testMessage('BOOM'))).rejects.toThrow(/closed/);
    expect(text(await good.send(testMessage('OK1')))).toBe('ACK|OK1');
    const again = await connect();
    expect(text(await again.send(testMessage('OK2')))).toBe('ACK|OK2');
  });

  it('When a client resets the connection mid-frame, then the server carries on', async () => {
    const { connect, port, server } = await setup();
    const raw = net.connect({ host: '127.0.0.1', port });
    await new Promise((r) => raw.once('connect', r));
    raw.write(Buffer.from('\x0bMSH|^~\\&|half'));
    await sleep(10);
    raw.resetAndDestroy();
    await waitFor(() => server.connectionCount === 0);
    const c = await connect();
    expect(text(await c.send(testMessage('R1')))).toBe('ACK|R1');
  });

  it('When a sender sends and shuts down its side, then it still receives its ACK', async () => {
    const { port } = await setup();
    const raw = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    raw.on('data', (c: Buffer) => chunks.push(c));
    await new Promise((r) => raw.once('connect', r));
    raw.end(framed(testMessage('H1')));
    await new Promise((r) => raw.once('close', r));
    expect(Buffer.concat(chunks).toString('latin1')).toBe('\x0bACK|H1\x1c\r');
  });

  it('When stop() is called during a handler call, then its ACK is written before the connection closes', async () => {
    let release: () => void = () => undefined;
    let entered = false;
    const { connect, server, port } = await setup({
      handler: async (frame) => {
        entered = true;
        await new Promise<void>((r) => (release = r));
        return echoAck(frame);
      },
    });
    const c = await connect();
    const ack = c.send(testMessage('S1'));
    await waitFor(() => entered);
    const stopped = server.stop(5000);
    let done = false;
    void stopped.then(() => (done = true));
    await sleep(30);
    expect(done).toBe(false);
    release();
    expect(text(await ack)).toBe('ACK|S1');
    await stopped;
    await c.closed;
    expect(server.connectionCount).toBe(0);
    await expect(MllpClient.connect({ host: '127.0.0.1', port })).rejects.toThrow();
    expect(server.stop()).toBe(stopped);
  });

  it('When the grace period ends before a handler does, then the connection is cut off', async () => {
    const { connect, server } = await setup({ handler: () => new Promise<Buffer[]>(() => undefined) });
    const c = await connect();
    const ack = c.send(testMessage('S2'));
    await sleep(10);
    await server.stop(50);
    await expect(ack).rejects.toThrow(/closed/);
  });
});
