import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../errors/error-codes.ts';
import { decideAcks } from './decide-acks.ts';

/**
 * Every MSH-15 x MSH-16 combination, with the expected answers for three outcomes:
 * stored and converted | stored with a content error | not stored (store failed). '-' is no ACK at all.
 */
const TABLE: [string, string, string, string, string][] = [
  ['', '', 'AA', 'AE', 'AR'],
  ['', 'AL', 'CA AA', 'CA AE', 'CE'],
  ['', 'NE', 'CA', 'CA', 'CE'],
  ['', 'ER', 'CA', 'CA AE', 'CE'],
  ['', 'SU', 'CA AA', 'CA', 'CE'],
  ['AL', '', 'CA AA', 'CA AE', 'CE'],
  ['AL', 'AL', 'CA AA', 'CA AE', 'CE'],
  ['AL', 'NE', 'CA', 'CA', 'CE'],
  ['AL', 'ER', 'CA', 'CA AE', 'CE'],
  ['AL', 'SU', 'CA AA', 'CA', 'CE'],
  ['NE', '', 'AA', 'AE', 'AR'],
  ['NE', 'AL', 'AA', 'AE', 'AR'],
  ['NE', 'NE', '-', '-', '-'],
  ['NE', 'ER', '-', 'AE', 'AR'],
  ['NE', 'SU', 'AA', '-', '-'],
  ['ER', '', 'AA', 'AE', 'CE'],
  ['ER', 'AL', 'AA', 'AE', 'CE'],
  ['ER', 'NE', '-', '-', 'CE'],
  ['ER', 'ER', '-', 'AE', 'CE'],
  ['ER', 'SU', 'AA', '-', 'CE'],
  ['SU', '', 'CA AA', 'CA AE', 'AR'],
  ['SU', 'AL', 'CA AA', 'CA AE', 'AR'],
  ['SU', 'NE', 'CA', 'CA', '-'],
  ['SU', 'ER', 'CA', 'CA AE', 'AR'],
  ['SU', 'SU', 'CA AA', 'CA', '-'],
];

const show = (codes: string[]): string => (codes.length ? codes.join(' ') : '-');

describe('decideAcks', () => {
  for (const [accept, application, ok, contentError, storeFailed] of TABLE) {
    it(`When MSH-15 is '${accept}' and MSH-16 is '${application}', then the ACKs follow table 0155`, () => {
      const base = { acceptAckType: accept, applicationAckType: application };
      expect(show(decideAcks({ ...base, stored: true }))).toBe(ok);
      expect(show(decideAcks({ ...base, stored: true, error: ErrorCode.MapUnmappedCode }))).toBe(contentError);
      expect(show(decideAcks({ ...base, stored: false, error: ErrorCode.StoreWriteFailed }))).toBe(storeFailed);
    });
  }

  it('When the message was not stored and no error is given, then it is treated as a store failure', () => {
    expect(decideAcks({ acceptAckType: '', applicationAckType: '', stored: false })).toEqual(['AR']);
  });

  it('When an unsupported message is not stored in enhanced mode, then the commit ACK is CR', () => {
    const codes = decideAcks({
      acceptAckType: 'AL',
      applicationAckType: 'AL',
      stored: false,
      error: ErrorCode.ParseUnsupportedMessage,
    });
    expect(codes).toEqual(['CR']);
  });

  it('When MSH-15/16 are lower case or padded, then they are still understood', () => {
    expect(decideAcks({ acceptAckType: ' al', applicationAckType: 'ne ', stored: true })).toEqual(['CA']);
  });

  it('When MSH-15 holds a value outside table 0155, then it is read as AL', () => {
    expect(decideAcks({ acceptAckType: 'XX', applicationAckType: 'NE', stored: true })).toEqual(['CA']);
  });
});
