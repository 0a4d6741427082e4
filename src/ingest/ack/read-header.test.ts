import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { readHeader, readHeaderSegment } from './read-header.ts';

const MSH = 'MSH|^~\\&|LIS|MAINLAB|SB|SITE|20260101120000||ORU^R01^ORU_R01|C-1|P|2.4|||AL|ER||8859/1';

describe('readHeader', () => {
  it('When the body is broken but the first line is a valid MSH, then the header is read', () => {
    const h = readHeader(Buffer.from(`${MSH}\r\x00\x01garbage|||\rPID`, 'latin1'));
    expect(h).toMatchObject({
      sendingApplication: 'LIS',
      sendingFacility: 'MAINLAB',
      receivingApplication: 'SB',
      receivingFacility: 'SITE',
      messageCode: 'ORU',
      triggerEvent: 'R01',
      controlId: 'C-1',
      processingId: 'P',
      version: '2.4',
      acceptAckType: 'AL',
      applicationAckType: 'ER',
      charsetField: '8859/1',
      encodingCharacters: '^~\\&',
    });
  });

  it('When MSH-18 names ISO-8859-1, then names in the header keep their accented letters', () => {
    const h = readHeader(Buffer.from(MSH.replace('MAINLAB', 'Hôpital'), 'latin1'));
    expect(h?.sendingFacility).toBe('Hôpital');
  });

  it('When MSH-18 is empty, then the header is read as UTF-8', () => {
    const h = readHeader(Buffer.from(MSH.replace('MAINLAB', 'Hôpital').replace('|8859/1', ''), 'utf8'));
    expect(h?.sendingFacility).toBe('Hôpital');
  });

  it('When segments end with LF and a BOM precedes them, then the header is still found', () => {
    const h = readHeader(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`\n${MSH}\nPID|1`)]));
    expect(h?.controlId).toBe('C-1');
  });

  it('When the input is UTF-16, then the header is read', () => {
    const h = readHeader(Buffer.from(`\ufeff${MSH}\r`, 'utf16le'));
    expect(h?.controlId).toBe('C-1');
  });

  it('When the delimiters are custom, then the fields are split on them', () => {
    const h = readHeader(Buffer.from('MSH#$*!@#A#B#C#D#1##ADT$A01#X9#T#2.5.1'));
    expect(h).toMatchObject({ sendingApplication: 'A', triggerEvent: 'A01', controlId: 'X9', processingId: 'T' });
    expect(h?.delimiters.component).toBe('$');
  });

  it('When the bytes hold no MSH, then there is no header', () => {
    expect(readHeader(Buffer.from('hello world'))).toBeUndefined();
    expect(readHeader(Buffer.from(''))).toBeUndefined();
    expect(readHeader(Buffer.from('MSH|^~|too few encoding characters'))).toBeUndefined();
    expect(readHeader(Buffer.from('MSH|^^\\&|repeated'))).toBeUndefined();
  });

  it('When a batch starts with FHS and BHS, then the first MSH and the envelope are both readable', () => {
    const batch = Buffer.from(`FHS|^~\\&|L|F|||||||F-9\rBHS|^~\\&|L|F|||||||B-7\r${MSH}\rPID|1\rBTS|1\rFTS|1\r`);
    expect(readHeader(batch)?.controlId).toBe('C-1');
    expect(readHeaderSegment(batch, 'BHS')?.rawField(11)).toBe('B-7');
    expect(readHeaderSegment(batch, 'FHS')?.rawField(11)).toBe('F-9');
  });

  it('When only the head of an oversized frame is given, then the header is read from it', () => {
    const head = Buffer.from(`${MSH}\rOBX|1|ED|||${'A'.repeat(5000)}`).subarray(0, 300);
    expect(readHeader(head)?.controlId).toBe('C-1');
  });
});
