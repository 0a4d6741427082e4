import { describe, expect, it } from 'vitest';
import { splitSegmentLines } from './segment-lines.ts';

describe('splitSegmentLines', () => {
  it('When segments end with CR, LF or CRLF, then each gives one line', () => {
    expect(splitSegmentLines('MSH|a\rPID|b\rOBX|c')).toEqual(['MSH|a', 'PID|b', 'OBX|c']);
    expect(splitSegmentLines('MSH|a\nPID|b\nOBX|c')).toEqual(['MSH|a', 'PID|b', 'OBX|c']);
    expect(splitSegmentLines('MSH|a\r\nPID|b\r\nOBX|c')).toEqual(['MSH|a', 'PID|b', 'OBX|c']);
  });

  it('When terminators are mixed, then each still ends one segment', () => {
    expect(splitSegmentLines('MSH|a\rPID|b\nOBX|c\r\nNTE|d')).toEqual(['MSH|a', 'PID|b', 'OBX|c', 'NTE|d']);
  });

  it('When there are trailing, leading or blank lines, then they are dropped', () => {
    expect(splitSegmentLines('\n\n  MSH|a\r\n\r\nPID|b\r\n  \r\n\n')).toEqual(['MSH|a', 'PID|b']);
  });

  it('When a line has trailing spaces, then they stay (they belong to the last field)', () => {
    expect(splitSegmentLines('MSH|a\rNTE|1||text  ')).toEqual(['MSH|a', 'NTE|1||text  ']);
  });
});
