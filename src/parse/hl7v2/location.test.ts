import { describe, expect, it } from 'vitest';
import { formatLocation, valueShape } from './location.ts';

describe('formatLocation', () => {
  it('When only a segment is given, then it is written with its occurrence', () => {
    expect(formatLocation({ segment: 'PID', occurrence: 1 })).toBe('PID[1]');
  });

  it('When field, component and subcomponent are given, then they are dot-separated', () => {
    expect(formatLocation({ segment: 'OBX', occurrence: 2, field: 5, component: 1 })).toBe('OBX[2].5.1');
    expect(formatLocation({ segment: 'OBX', occurrence: 2, field: 5, component: 1, subcomponent: 3 })).toBe(
      'OBX[2].5.1.3',
    );
  });

  it('When a repetition after the first is given, then it follows the field in brackets', () => {
    expect(formatLocation({ segment: 'PID', occurrence: 1, field: 3, repetition: 2, component: 1 })).toBe(
      'PID[1].3[2].1',
    );
    expect(formatLocation({ segment: 'PID', occurrence: 1, field: 3, repetition: 1 })).toBe('PID[1].3');
  });

  it('When a subcomponent is given without a component, then component 1 is implied', () => {
    expect(formatLocation({ segment: 'OBR', occurrence: 1, field: 16, subcomponent: 2 })).toBe('OBR[1].16.1.2');
  });
});

describe('valueShape', () => {
  it('When a value holds digits and letters, then only their shape remains', () => {
    expect(valueShape('19700101')).toBe('99999999');
    expect(valueShape('Jane 5.1+x')).toBe('AAAA 9.9+A');
  });

  it('When a value holds other characters or is long, then they are masked and it is cut', () => {
    expect(valueShape('a_b')).toBe('A#A');
    expect(valueShape('1'.repeat(50))).toBe(`${'9'.repeat(40)}…`);
  });
});
