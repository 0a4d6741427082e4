import { describe, expect, it } from 'vitest';
import { isHl7Null } from './hl7-null.ts';

describe('isHl7Null', () => {
  it('When the value is two double quotes, then it is the HL7 null', () => {
    expect(isHl7Null('""')).toBe(true);
  });

  it('When the value is empty or anything else, then it is not the HL7 null', () => {
    expect(isHl7Null('')).toBe(false);
    expect(isHl7Null('"x"')).toBe(false);
    expect(isHl7Null('" "')).toBe(false);
  });
});
