import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../errors/error-codes.ts';
import { readEncodingCharacters } from './encoding-characters.ts';
import { catchAdapterError, hl7Where } from './test-support.ts';

const at = { segment: 'MSH', occurrence: 1 };

describe('readEncodingCharacters', () => {
  it('When MSH-2 is ^~\\&, then the standard delimiters are read', () => {
    expect(readEncodingCharacters('MSH|^~\\&|APP', at)).toEqual({
      field: '|',
      component: '^',
      repetition: '~',
      escape: '\\',
      subcomponent: '&',
    });
  });

  it('When MSH-2 has a fifth character, then it is the 2.7 truncation character', () => {
    expect(readEncodingCharacters('MSH|^~\\&#|APP', at).truncation).toBe('#');
  });

  it('When all delimiters are custom, then they are read in MSH-2 order', () => {
    expect(readEncodingCharacters('MSH$%*!@$APP', at)).toEqual({
      field: '$',
      component: '%',
      repetition: '*',
      escape: '!',
      subcomponent: '@',
    });
  });

  it('When MSH-2 is the last field, then it still counts', () => {
    expect(readEncodingCharacters('MSH|^~\\&', at).subcomponent).toBe('&');
  });

  it('When MSH-2 has too few or too many characters, then it is parse.invalid-msh at MSH[1].2', () => {
    for (const line of ['MSH|^~\\|A', 'MSH||A', 'MSH|^~\\&#!|A']) {
      const err = catchAdapterError(() => readEncodingCharacters(line, at));
      expect(err.code).toBe(ErrorCode.ParseInvalidMsh);
      expect(hl7Where(err)).toBe('MSH[1].2');
    }
  });

  it('When MSH-2 repeats a character, then it is parse.invalid-msh at MSH[1].2', () => {
    const err = catchAdapterError(() => readEncodingCharacters('MSH|^~\\\\&|A', at));
    expect(err.code).toBe(ErrorCode.ParseInvalidMsh);
    expect(hl7Where(err)).toBe('MSH[1].2');
    expect(err.message).toContain('repeats');
  });

  it('When MSH-2 holds a letter or the field separator is missing, then it is parse.invalid-msh', () => {
    expect(hl7Where(catchAdapterError(() => readEncodingCharacters('MSH|^~\\A|X', at)))).toBe('MSH[1].2');
    expect(hl7Where(catchAdapterError(() => readEncodingCharacters('MSH', at)))).toBe('MSH[1].1');
    expect(hl7Where(catchAdapterError(() => readEncodingCharacters('MSHA^~\\&', at)))).toBe('MSH[1].1');
  });

  it('When the header is a batch header, then the location names it', () => {
    const err = catchAdapterError(() => readEncodingCharacters('BHS|^^\\&|', { segment: 'BHS', occurrence: 2 }));
    expect(hl7Where(err)).toBe('BHS[2].2');
  });
});
