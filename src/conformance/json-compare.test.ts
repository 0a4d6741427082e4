import { describe, expect, it } from 'vitest';
import { canonicalize, formatDifference, jsonDifferences, jsonEquals, unifiedJsonDiff } from './json-compare.ts';

describe('JSON comparison', () => {
  it('When only key order differs, then the values are equal', () => {
    expect(jsonEquals({ a: 1, b: { c: [1, { d: 2, e: 3 }] } }, { b: { c: [1, { e: 3, d: 2 }] }, a: 1 })).toBe(true);
    expect(jsonEquals([1, 2], [2, 1])).toBe(false);
    expect(JSON.stringify(canonicalize({ b: 1, a: { d: 1, c: 2 } }))).toBe('{"a":{"c":2,"d":1},"b":1}');
  });

  it('When a leaf differs deep inside, then its JSON path is given with expected and actual values', () => {
    const expected = { entry: [{}, {}, {}, { resource: { valueQuantity: { value: 5.4 } } }] };
    const actual = { entry: [{}, {}, {}, { resource: { valueQuantity: { value: 5.5 } } }] };
    expect(jsonDifferences(expected, actual).map(formatDifference)).toEqual([
      'entry[3].resource.valueQuantity.value: expected 5.4, got 5.5',
    ]);
  });

  it('When members or elements are missing or extra, then they show as absent', () => {
    expect(jsonDifferences({ a: 1, list: [1] }, { list: [1, 2], 'odd-key': true }).map(formatDifference)).toEqual([
      'a: expected 1, got (absent)',
      'list[1]: expected (absent), got 2',
      '["odd-key"]: expected (absent), got true',
    ]);
    expect(jsonDifferences([{ x: 1 }], { x: 1 }).map(formatDifference)).toEqual([
      '(root): expected [{"x":1}], got {"x":1}',
    ]);
  });

  it('When the values differ, then a unified diff of the pretty JSON is given, capped with a note', () => {
    const diff = unifiedJsonDiff({ a: 1, b: 2 }, { a: 1, b: 3 });
    expect(diff).toEqual([
      '--- expected',
      '+++ actual',
      '@@ -1,4 +1,4 @@',
      ' {',
      '   "a": 1,',
      '-  "b": 2',
      '+  "b": 3',
      ' }',
    ]);
    expect(unifiedJsonDiff({ a: 1 }, { a: 1 })).toEqual([]);
    const big = unifiedJsonDiff(
      Array.from({ length: 100 }, (_, i) => i),
      Array.from({ length: 100 }, (_, i) => -i),
      60,
    );
    expect(big).toHaveLength(61);
    expect(big[60]).toMatch(/^… \d+ more diff lines$/);
  });
});
