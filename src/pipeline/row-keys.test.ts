import { describe, expect, it } from 'vitest';
import { hash53, RowKeyIndex } from './row-keys.ts';

describe('RowKeyIndex', () => {
  it('When a key is new, then nothing earlier is found and it is counted', () => {
    const index = new RowKeyIndex();
    expect(index.see('S-1/week-0/glucose', 2, '8.1')).toBeUndefined();
    expect(index.see('S-1/week-9/glucose', 3, '8.1')).toBeUndefined();
    expect(index.size).toBe(2);
  });

  it('When a key repeats with the same values, then the first line is found and the values are the same', () => {
    const index = new RowKeyIndex();
    index.see('S-1/week-0', 2, 'S-1\u0000W0\u00008.1');
    expect(index.see('S-1/week-0', 7, 'S-1\u0000W0\u00008.1')).toEqual({ line: 2, same: true });
    expect(index.size).toBe(1);
  });

  it('When a key repeats with other values, then the first line is found and the values differ', () => {
    const index = new RowKeyIndex();
    index.see('S-1/week-0', 2, 'S-1\u0000W0\u00008.1');
    expect(index.see('S-1/week-0', 5, 'S-1\u0000W0\u00008.9')).toEqual({ line: 2, same: false });
    // A third occurrence is still compared with the first row, not with the conflicting one.
    expect(index.see('S-1/week-0', 9, 'S-1\u0000W0\u00008.9')).toEqual({ line: 2, same: false });
    expect(index.see('S-1/week-0', 11, 'S-1\u0000W0\u00008.1')).toEqual({ line: 2, same: true });
  });

  it('When more than 1024 keys are seen, then every one keeps its own line and values after the index grows', () => {
    const index = new RowKeyIndex();
    const n = 5000;
    for (let i = 0; i < n; i++) expect(index.see(`S-${i}/week-0`, i + 2, `v${i}`)).toBeUndefined();
    expect(index.size).toBe(n);
    for (const i of [0, 1, 1023, 1024, 1025, 2047, 2048, 4095, 4096, n - 1]) {
      expect(index.see(`S-${i}/week-0`, 999_999, `v${i}`)).toEqual({ line: i + 2, same: true });
      expect(index.see(`S-${i}/week-0`, 999_999, `v${i}x`)).toEqual({ line: i + 2, same: false });
    }
    expect(index.size).toBe(n);
  });

  // Keys are copied through UTF-8, which would turn a lone surrogate into U+FFFD; such keys are kept as they are.
  it('When a key holds a lone surrogate, then a repeat of it is still found', () => {
    const index = new RowKeyIndex();
    index.see('S-\uD800/week-0', 2, '8.1');
    expect(index.see('S-\uD800/week-0', 3, '8.4')).toEqual({ line: 2, same: false });
  });
});

describe('hash53', () => {
  it('When strings are hashed, then each hash is a safe non-negative integer below 2^53, the same every time', () => {
    for (const s of ['', 'a', 'S-1\u0000W0\u00008.1', 'µmol/L', 'x'.repeat(10_000)]) {
      const h = hash53(s);
      expect(Number.isSafeInteger(h)).toBe(true);
      expect(h).toBeGreaterThanOrEqual(0);
      expect(h).toBeLessThan(2 ** 53);
      expect(hash53(s)).toBe(h);
    }
  });

  it('When rows differ in one character anywhere, then their hashes differ', () => {
    const row = 'SUBJ-0101;KL;M6;15/07/2024;7,5;8,0;2,0;12,1;4,30;5,0;1,8;1,09;3,09;79;28';
    const base = hash53(row);
    for (let i = 0; i < row.length; i++) {
      const changed = row.slice(0, i) + String.fromCharCode(row.charCodeAt(i) ^ 1) + row.slice(i + 1);
      expect(hash53(changed), `position ${i}`).not.toBe(base);
    }
  });

  it('When 200,000 similar rows are hashed, then there is no collision and high and low bits are evenly spread', () => {
    const n = 200_000;
    const seen = new Set<number>();
    const high = new Array<number>(16).fill(0);
    const low = new Array<number>(16).fill(0);
    for (let i = 0; i < n; i++) {
      const h = hash53(
        `T-${String(i).padStart(6, '0')}\u0000W0\u00002025-04-07 08:10\u0000GLU\u0000${i % 97}.${i % 10}`,
      );
      seen.add(h);
      high[Math.floor(h / 2 ** 49)]!++;
      low[h % 16]!++;
    }
    expect(seen.size).toBe(n);
    // Each of 16 buckets expects n/16 = 12,500 (standard deviation about 108); 5% off would be a skewed hash.
    for (const counts of [high, low]) {
      for (const c of counts) expect(Math.abs(c - n / 16)).toBeLessThan(n / 16 / 20);
    }
  });
});
