import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../errors/error-codes.ts';
import { ACK_CODES, ackRowFor, AckCode, HL7_ERROR_CODE_TEXT, Hl7ErrorCode } from './ack-codes.ts';

describe('ack-codes', () => {
  it('When any ErrorCode exists, then the table has a complete row for it', () => {
    for (const code of Object.values(ErrorCode)) {
      const row = ACK_CODES[code];
      expect(row, code).toBeDefined();
      expect(['AE', 'AR'], code).toContain(row.original);
      expect(['CE', 'CR'], code).toContain(row.enhancedCommit);
      expect(Object.values(Hl7ErrorCode), code).toContain(row.hl7ErrorCode);
      expect(HL7_ERROR_CODE_TEXT[row.hl7ErrorCode], code).toBeTruthy();
    }
    expect(Object.keys(ACK_CODES).sort()).toEqual(Object.values(ErrorCode).sort());
  });

  it('When content is wrong, then it is AE; when the receiver cannot take it, then AR', () => {
    expect(ackRowFor(ErrorCode.MapUnmappedCode)).toEqual({ original: 'AE', enhancedCommit: 'CE', hl7ErrorCode: '103' });
    expect(ackRowFor(ErrorCode.ParseInvalidSegment).original).toBe(AckCode.ApplicationError);
    expect(ackRowFor(ErrorCode.ParseUnsupportedMessage)).toEqual({
      original: 'AR',
      enhancedCommit: 'CR',
      hl7ErrorCode: '200',
    });
    expect(ackRowFor(ErrorCode.StoreWriteFailed)).toEqual({
      original: 'AR',
      enhancedCommit: 'CE',
      hl7ErrorCode: '207',
    });
  });

  it('When a code unknown to the table arrives, then it is acknowledged as an internal error', () => {
    expect(ackRowFor('future.code' as ErrorCode)).toBe(ACK_CODES[ErrorCode.Internal]);
  });
});
