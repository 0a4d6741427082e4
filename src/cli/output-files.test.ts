import { describe, expect, it } from 'vitest';
import { outputFileName, sanitizeForFileName } from './output-files.ts';

describe('output file names', () => {
  it('When the control id holds path or odd characters, then the name stays a single safe file name', () => {
    expect(outputFileName('/in/lab.batch.hl7', 3, '../../etc/passwd')).toBe('lab.batch-3-__.._etc_passwd.json');
    expect(outputFileName('lab.hl7', 0, 'MSG 0001|ü')).toBe('lab-0-MSG_0001__.json');
  });

  it('When the control id is missing, empty or very long, then it is "unknown" or capped at 64 characters', () => {
    expect(sanitizeForFileName(undefined)).toBe('unknown');
    expect(sanitizeForFileName('')).toBe('unknown');
    expect(sanitizeForFileName('x'.repeat(100))).toHaveLength(64);
  });
});
