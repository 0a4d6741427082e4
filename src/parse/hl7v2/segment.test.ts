import { describe, expect, it } from 'vitest';
import { parseMessage } from './parse-hl7v2.ts';
import { hl7 } from './test-support.ts';
import type { Hl7Segment } from './types.ts';

const message = parseMessage(
  hl7(
    'MSH|^~\\&|LIS|LAB|SB|SITE|20261121083000||ORU^R01^ORU_R01|CTRL1|P|2.5.1',
    'PID|1||ID1^^^AUTH^MR~ID2^^^SITE^PI||Family^Given||""|',
    'OBX|1|ST|CODE^Name with \\T\\ and \\S\\^LN||a&b&c^second~rep2||||||F',
    'OBX|2|ST|X^Y',
  ),
);
const msh = message.header;
const pid = message.first('PID') as Hl7Segment;
const obx = message.all('OBX')[0] as Hl7Segment;

describe('Segment', () => {
  it('When MSH-1 and MSH-2 are read, then they are the delimiters as sent', () => {
    expect(msh.get(1)).toBe('|');
    expect(msh.get(2)).toBe('^~\\&');
    expect(msh.rawField(2)).toBe('^~\\&');
    expect(msh.get(2, 2)).toBe('');
    expect(msh.repetitions(2)).toBe(1);
  });

  it('When other MSH fields are read, then MSH numbering is kept (MSH-3 is the sending application)', () => {
    expect(msh.get(3)).toBe('LIS');
    expect(msh.get(9, 2)).toBe('R01');
    expect(msh.get(10)).toBe('CTRL1');
  });

  it('When a component or subcomponent is asked, then 1-based HL7 numbering is used', () => {
    expect(pid.get(5, 1)).toBe('Family');
    expect(pid.get(5, 2)).toBe('Given');
    expect(obx.get(5, 1, 2)).toBe('b');
    expect(obx.get(5, 1)).toBe('a&b&c');
  });

  it('When a repetition is asked, then it is 1-based and the first is the default', () => {
    expect(pid.get(3, 1)).toBe('ID1');
    expect(pid.get(3, 1, undefined, 2)).toBe('ID2');
    expect(pid.get(3, 5, undefined, 2)).toBe('PI');
    expect(pid.repetitions(3)).toBe(2);
    expect(obx.get(5, 1, undefined, 2)).toBe('rep2');
  });

  it('When a whole field is asked, then its first repetition comes with separators, escapes decoded', () => {
    expect(pid.get(3)).toBe('ID1^^^AUTH^MR');
    expect(obx.get(3)).toBe('CODE^Name with & and ^^LN');
    expect(obx.get(3, 2)).toBe('Name with & and ^');
    expect(obx.rawField(3)).toBe('CODE^Name with \\T\\ and \\S\\^LN');
  });

  it('When a part is absent, then it is the empty string and nothing throws', () => {
    expect(pid.get(99)).toBe('');
    expect(pid.get(5, 9)).toBe('');
    expect(pid.get(5, 1, 4)).toBe('');
    expect(pid.get(3, 1, undefined, 7)).toBe('');
    expect(pid.repetitions(4)).toBe(0);
    expect(pid.rawField(40)).toBe('');
  });

  it('When an index is zero, negative or fractional, then the empty string is returned', () => {
    expect(pid.get(0)).toBe('');
    expect(pid.get(-1)).toBe('');
    expect(pid.get(5, 0)).toBe('');
    expect(pid.get(5, 1.5)).toBe('');
    expect(pid.get(3, 1, undefined, 0)).toBe('');
  });

  it('When the sender sent the HL7 null, then the two quote characters are returned', () => {
    expect(pid.get(7)).toBe('""');
    expect(pid.repetitions(7)).toBe(1);
  });

  it('When fields are counted, then trailing separators count and MSH-1 counts', () => {
    expect(pid.fieldCount).toBe(8);
    expect(msh.fieldCount).toBe(12);
    expect(message.all('OBX')[1]?.fieldCount).toBe(3);
  });

  it('When a location is asked, then it carries the segment occurrence', () => {
    const second = message.all('OBX')[1] as Hl7Segment;
    expect(second.at(5, 1)).toEqual({ segment: 'OBX', occurrence: 2, field: 5, component: 1 });
    expect(second.at()).toEqual({ segment: 'OBX', occurrence: 2 });
    expect(second.index).toBe(3);
  });
});
