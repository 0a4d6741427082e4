import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors/error-codes.ts';
import { HTTP_STATUS, httpStatusFor } from './http-status.ts';

describe('HTTP_STATUS', () => {
  it('When any error code is raised, then the table has an HTTP error status for it', () => {
    const codes = Object.values(ErrorCode);
    expect(Object.keys(HTTP_STATUS).sort()).toEqual([...codes].sort());
    for (const code of codes) {
      const status = HTTP_STATUS[code];
      expect(Number.isInteger(status), code).toBe(true);
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
      expect(httpStatusFor(code)).toBe(status);
    }
  });

  it('When content cannot be read, fails mapping, or cannot be stored, then 400, 422 and 503 say so', () => {
    expect(httpStatusFor(ErrorCode.ParseNotHl7)).toBe(400);
    expect(httpStatusFor(ErrorCode.ParseTooLarge)).toBe(413);
    expect(httpStatusFor(ErrorCode.ParseUnsupportedCharset)).toBe(415);
    expect(httpStatusFor(ErrorCode.MapInvalidValue)).toBe(422);
    expect(httpStatusFor(ErrorCode.ValidateProfileViolation)).toBe(422);
    expect(httpStatusFor(ErrorCode.StoreWriteFailed)).toBe(503);
    expect(httpStatusFor(ErrorCode.Internal)).toBe(500);
  });

  it('When a code is not known, then it is a server fault', () => {
    expect(httpStatusFor('no.such-code')).toBe(500);
    expect(httpStatusFor('')).toBe(500);
  });

  // Bug: the lookup `(HTTP_STATUS as Record<string, number>)[code] ?? 500` reads inherited properties, so a
  // code naming an Object.prototype member returns that member (a function, or Object.prototype itself)
  // instead of 500. An own-property check (Object.hasOwn) would keep the documented 500.
  it('When an unknown code names an Object.prototype member, then it is still a server fault', () => {
    expect(httpStatusFor('toString')).toBe(500);
    expect(httpStatusFor('__proto__')).toBe(500);
  });
});
