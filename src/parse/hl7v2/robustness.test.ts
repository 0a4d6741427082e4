import { describe, expect, it } from 'vitest';
import { AdapterError } from '../../errors/adapter-error.ts';
import { ErrorCode } from '../../errors/error-codes.ts';
import { parseHl7DateTime } from './hl7-datetime.ts';
import { parseHl7Number } from './hl7-number.ts';
import { parseBatch } from './split-batch.ts';
import { hl7 } from './test-support.ts';
import type { Hl7BatchResult } from './types.ts';

/** Small deterministic PRNG (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASE = hl7(
  'FHS|^~\\&|A',
  'BHS|^~\\&|A',
  'MSH|^~\\&#|LIS|LAB|SB|SITE|20261121083000+0800||ORU^R01^ORU_R01|C1|P|2.5.1||||||UNICODE UTF-8',
  'PID|1||ID^^^A^MR~X||Fam^Giv||19700101|F',
  'OBX|1|NM|A^B^LN||5.10|mg\\S\\dL^^UCUM|1-9|N|||F|||20261121083015.12+0800',
  'NTE|1||a\\.br\\b\\XC3A9\\\\Zx\\ \\',
  'BTS|1',
  'FTS|1',
);
const PIECES = ['|', '^', '~', '\\', '&', '#', '\r', '\n', 'MSH', 'BTS|', '""', '\\X', '\\.sp 9', 'é', '\uFFFD', ' '];

function mutate(text: string, rnd: () => number): string {
  let out = text;
  const edits = 1 + Math.floor(rnd() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rnd() * (out.length + 1));
    const kind = rnd();
    if (kind < 0.3) out = out.slice(0, at) + out.slice(at + 1 + Math.floor(rnd() * 8));
    else if (kind < 0.7) out = out.slice(0, at) + (PIECES[Math.floor(rnd() * PIECES.length)] ?? '') + out.slice(at);
    else if (kind < 0.85) out = out.slice(0, at);
    else out = out.slice(0, at) + String.fromCharCode(Math.floor(rnd() * 0x250)) + out.slice(at + 1);
  }
  return out;
}

/** Reads every field, component and repetition the way a curious mapper might. */
function readEverything(batch: Hl7BatchResult): number {
  let n = 0;
  for (const item of batch.items) {
    if (!item.ok) continue;
    for (const s of item.message.segments) {
      for (let f = 0; f <= s.fieldCount + 1; f++) {
        n += s.get(f).length + s.get(f, 2).length + s.get(f, 1, 2).length + s.get(f, 1, 1, 3).length;
        n += s.repetitions(f) + s.rawField(f).length;
      }
    }
  }
  return n;
}

describe('robustness', () => {
  it('When 3000 damaged messages are parsed as text and bytes, then only AdapterErrors escape, never internal ones', () => {
    const rnd = random(20261121);
    const codes = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const text = mutate(BASE, rnd);
      for (const input of [text, new TextEncoder().encode(text)]) {
        try {
          const batch = parseBatch(input);
          readEverything(batch);
          for (const item of batch.items) if (!item.ok) codes.add(item.error.code);
        } catch (err) {
          expect(err).toBeInstanceOf(AdapterError);
          codes.add((err as AdapterError).code);
        }
      }
    }
    expect(codes.has(ErrorCode.Internal)).toBe(false);
    // The damage must actually have produced failures, or this test proves nothing.
    expect(codes.size).toBeGreaterThan(2);
  });

  it('When random text is read as a date or a number, then only AdapterErrors or undefined come out', () => {
    const rnd = random(7);
    const alphabet = '0123456789+-. eZ:,/';
    for (let i = 0; i < 3000; i++) {
      const text = Array.from(
        { length: Math.floor(rnd() * 26) },
        () => alphabet[Math.floor(rnd() * alphabet.length)],
      ).join('');
      const n = parseHl7Number(text);
      if (n) expect(Number.isFinite(n.value)).toBe(true);
      try {
        expect(parseHl7DateTime(text, { defaultZone: 'Z' }).value).toMatch(/^\d{4}/);
      } catch (err) {
        expect(err).toBeInstanceOf(AdapterError);
      }
    }
  });
});
