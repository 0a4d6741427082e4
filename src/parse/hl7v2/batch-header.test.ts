import { describe, expect, it } from 'vitest';
import { startsWithBatchHeader } from './batch-header.ts';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('startsWithBatchHeader', () => {
  it.each([
    ['FHS|^~\\&|A\rBHS|^~\\&\rMSH|^~\\&\r', true],
    ['BHS|^~\\&|A\rMSH|^~\\&\r', true],
    ['\r\n  BHS|^~\\&\r', true],
    ['\uFEFFFHS|^~\\&\r', true],
    ['MSH|^~\\&|A\rPID|1\r', false],
    ['', false],
    ['FH', false],
  ])('%j → %s', (text, expected) => expect(startsWithBatchHeader(bytes(text))).toBe(expected));
});
