import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { Utf8Tracker } from './utf8-tracker.ts';

/** Pushes `chunks` and returns, for each end offset in `ends`, whether an invalid sequence lies before it. */
function check(chunks: Buffer[], ends: number[]): boolean[] {
  const t = new Utf8Tracker();
  for (const c of chunks) t.push(c);
  t.end();
  return ends.map((e) => t.invalidBefore(e));
}

describe('Utf8Tracker', () => {
  it('When multi-byte characters are cut at every possible point between chunks, then nothing is invalid', () => {
    const text = Buffer.from('aé€😀z');
    for (let cut = 1; cut < text.length; cut++) {
      expect(check([text.subarray(0, cut), text.subarray(cut)], [text.length]), `cut at ${cut}`).toEqual([false]);
    }
    expect(
      check(
        [...text].map((b) => Buffer.from([b])),
        [text.length],
      ),
    ).toEqual([false]);
  });

  it('When bytes are overlong, surrogates, above U+10FFFF, stray continuations or never valid, then they are invalid', () => {
    for (const bad of [
      [0xc0, 0x80],
      [0xe0, 0x80, 0x80],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0x80],
      [0xff],
    ]) {
      const bytes = Buffer.from([0x61, ...bad, 0x62]);
      expect(check([bytes], [1, bytes.length]), bad.join(' ')).toEqual([false, true]);
    }
  });

  it('When the stream ends inside a character, then that character is invalid', () => {
    expect(check([Buffer.from([0x61, 0x0a, 0xe2, 0x82])], [2, 4])).toEqual([false, true]);
  });

  it('When records are asked in order, then each invalid sequence is claimed by the first record that holds it', () => {
    // 'a\n' then 0xFF then '\nb\n' then 0xFE: records end at 2, 4, 6, 7.
    const bytes = Buffer.from([0x61, 0x0a, 0xff, 0x0a, 0x62, 0x0a, 0xfe]);
    expect(check([bytes.subarray(0, 3), bytes.subarray(3)], [2, 4, 6, 7])).toEqual([false, true, false, true]);
  });
});
