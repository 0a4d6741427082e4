import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { BrokenFrameReason, frameMllp, MllpFramer, type MllpFramerOptions } from './mllp-framer.ts';

const MSG_A = 'MSH|^~\\&|LIS|LAB|SB|SITE|20260101120000||ORU^R01|A1|P|2.5.1\rPID|1||X\r';
const MSG_B = 'MSH|^~\\&|LIS|LAB|SB|SITE|20260101120001||ORU^R01|B2|P|2.5.1\rOBX|1|NM|1^a||5\r';

interface Recorded {
  frames: string[];
  discarded: number[];
  broken: [BrokenFrameReason, number][];
  oversized: { head: string; total: number }[];
}

function recorder(options: Partial<MllpFramerOptions> = {}): { framer: MllpFramer; seen: Recorded } {
  const seen: Recorded = { frames: [], discarded: [], broken: [], oversized: [] };
  const framer = new MllpFramer({
    maxFrameBytes: 1024 * 1024,
    ...options,
    onFrame: (p) => seen.frames.push(p.toString('latin1')),
    onDiscarded: (n) => seen.discarded.push(n),
    onBrokenFrame: (r, n) => seen.broken.push([r, n]),
    onOversized: (head, total) => seen.oversized.push({ head: head.toString('latin1'), total }),
  });
  return { framer, seen };
}

const framed = (text: string): Buffer => frameMllp(Buffer.from(text, 'latin1'));

describe('MllpFramer', () => {
  it('When two messages arrive in one write, then two frames are emitted (A)', () => {
    const { framer, seen } = recorder();
    framer.push(Buffer.concat([framed(MSG_A), framed(MSG_B)]));
    expect(seen.frames).toEqual([MSG_A, MSG_B]);
    expect(framer.inFrame).toBe(false);
  });

  it('When one message arrives in three writes and the last is the lone CR, then one frame is emitted (B)', () => {
    const { framer, seen } = recorder();
    const bytes = framed(MSG_A);
    framer.push(bytes.subarray(0, 20));
    framer.push(bytes.subarray(20, bytes.length - 1));
    expect(seen.frames).toEqual([]);
    expect(framer.inFrame).toBe(true);
    framer.push(bytes.subarray(bytes.length - 1));
    expect(seen.frames).toEqual([MSG_A]);
    expect(seen.broken).toEqual([]);
  });

  it('When 1.5 messages arrive and then the other half, then two frames are emitted (C)', () => {
    const { framer, seen } = recorder();
    const all = Buffer.concat([framed(MSG_A), framed(MSG_B)]);
    const cut = framed(MSG_A).length + 30;
    framer.push(all.subarray(0, cut));
    expect(seen.frames).toEqual([MSG_A]);
    framer.push(all.subarray(cut));
    expect(seen.frames).toEqual([MSG_A, MSG_B]);
  });

  it('When the first 50 bytes come one at a time and then the rest, then one frame is emitted (D)', () => {
    const { framer, seen } = recorder();
    const bytes = framed(MSG_A);
    for (let i = 0; i < 50; i++) framer.push(bytes.subarray(i, i + 1));
    framer.push(bytes.subarray(50));
    expect(seen.frames).toEqual([MSG_A]);
  });

  it('When every byte of two frames comes alone, then both frames are emitted intact', () => {
    const { framer, seen } = recorder();
    const all = Buffer.concat([framed(MSG_A), framed(MSG_B)]);
    for (let i = 0; i < all.length; i++) framer.push(all.subarray(i, i + 1));
    expect(seen.frames).toEqual([MSG_A, MSG_B]);
    expect(seen.discarded).toEqual([]);
  });

  it('When a frame holds no MSH, then it is still a frame (E)', () => {
    const { framer, seen } = recorder();
    framer.push(framed('this is not hl7'));
    framer.push(framed(''));
    expect(seen.frames).toEqual(['this is not hl7', '']);
  });

  it('When bytes come before the start block, then they are discarded and counted', () => {
    const { framer, seen } = recorder();
    framer.push(Buffer.from('garbage'));
    framer.push(Buffer.concat([Buffer.from('\r\n'), framed(MSG_A), Buffer.from('\n')]));
    expect(seen.frames).toEqual([MSG_A]);
    expect(seen.discarded.reduce((a, b) => a + b, 0)).toBe(7 + 2 + 1);
  });

  it('When a start block arrives inside an open frame, then the partial frame is reported and a new one begins', () => {
    const { framer, seen } = recorder();
    const partial = Buffer.from('\x0bMSH|^~\\&|half a mess', 'latin1');
    framer.push(Buffer.concat([partial, framed(MSG_B)]));
    expect(seen.frames).toEqual([MSG_B]);
    expect(seen.broken).toEqual([[BrokenFrameReason.Restarted, partial.length - 1]]);
  });

  it('When a restart comes in a later chunk than the open frame, then the earlier chunks are reported', () => {
    const { framer, seen } = recorder();
    framer.push(Buffer.from('\x0babc', 'latin1'));
    framer.push(Buffer.from('de', 'latin1'));
    framer.push(framed(MSG_A));
    expect(seen.broken).toEqual([[BrokenFrameReason.Restarted, 5]]);
    expect(seen.frames).toEqual([MSG_A]);
  });

  it('When the end block is not followed by CR, then the frame is delivered and the irregularity reported', () => {
    const { framer, seen } = recorder();
    framer.push(Buffer.from(`\x0b${MSG_A}\x1c`, 'latin1'));
    framer.push(Buffer.from(`X\x0b${MSG_B}\x1c\r`, 'latin1'));
    expect(seen.frames).toEqual([MSG_A, MSG_B]);
    expect(seen.broken).toEqual([[BrokenFrameReason.MissingCr, MSG_A.length]]);
    expect(seen.discarded).toEqual([1]);
  });

  it('When FS without CR is directly followed by the next start block, then both frames arrive', () => {
    const { framer, seen } = recorder();
    framer.push(Buffer.from(`\x0b${MSG_A}\x1c\x0b${MSG_B}\x1c\r`, 'latin1'));
    expect(seen.frames).toEqual([MSG_A, MSG_B]);
    expect(seen.discarded).toEqual([]);
  });

  it('When a frame passes the limit, then only its head is kept and it is reported once at its end', () => {
    const { framer, seen } = recorder({ maxFrameBytes: 1000, headBytes: 100 });
    const big = MSG_A + 'OBX|1|ST|||' + 'x'.repeat(5000) + '\r';
    const bytes = framed(big);
    let maxHeld = 0;
    for (let i = 0; i < bytes.length; i += 64) {
      framer.push(bytes.subarray(i, i + 64));
      maxHeld = Math.max(maxHeld, framer.bufferedBytes);
    }
    expect(seen.frames).toEqual([]);
    expect(seen.oversized).toEqual([{ head: big.slice(0, 100), total: big.length }]);
    expect(maxHeld).toBeLessThanOrEqual(1000);
    framer.push(framed(MSG_B));
    expect(seen.frames).toEqual([MSG_B]);
  });

  it('When a frame is exactly at the limit, then it is delivered', () => {
    const { framer, seen } = recorder({ maxFrameBytes: MSG_A.length });
    framer.push(framed(MSG_A));
    expect(seen.frames).toEqual([MSG_A]);
    expect(seen.oversized).toEqual([]);
  });

  it('When the stream ends inside a frame, then the frame is reported as unterminated', () => {
    const { framer, seen } = recorder();
    framer.push(Buffer.from('\x0bMSH|abc', 'latin1'));
    framer.end();
    expect(seen.broken).toEqual([[BrokenFrameReason.Unterminated, 7]]);
    expect(framer.inFrame).toBe(false);
  });

  it('When the stream ends right after an end block, then the frame is delivered', () => {
    const { framer, seen } = recorder();
    framer.push(Buffer.from(`\x0b${MSG_A}\x1c`, 'latin1'));
    framer.end();
    expect(seen.frames).toEqual([MSG_A]);
    expect(seen.broken).toEqual([[BrokenFrameReason.MissingCr, MSG_A.length]]);
  });

  it('When a delivered frame is kept, then it does not share memory with the pushed chunk', () => {
    const frames: Buffer[] = [];
    const f = new MllpFramer({ maxFrameBytes: 100, onFrame: (p) => frames.push(p) });
    const chunk = framed('abc');
    f.push(chunk);
    chunk.fill(0);
    expect(frames[0]?.toString()).toBe('abc');
  });

  it('When random chunking splits a stream of frames, then the frames are always the same', () => {
    const messages = Array.from(
      { length: 40 },
      (_, i) => `MSH|^~\\&|L|F|||${i}||ORU^R01|${i}|P|2.5\r${'Z'.repeat(i * 7)}`,
    );
    const all = Buffer.concat(messages.map(framed));
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let round = 0; round < 50; round++) {
      const { framer, seen } = recorder();
      for (let i = 0; i < all.length;) {
        const n = 1 + Math.floor(rand() * 300);
        framer.push(all.subarray(i, i + n));
        i += n;
      }
      expect(seen.frames).toEqual(messages);
    }
  });
});

describe('frameMllp', () => {
  it('When a payload is framed, then it is wrapped in VT ... FS CR', () => {
    expect([...frameMllp(Buffer.from('ab'))]).toEqual([0x0b, 0x61, 0x62, 0x1c, 0x0d]);
  });
});
