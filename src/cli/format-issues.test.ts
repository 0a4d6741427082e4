import { describe, expect, it } from 'vitest';
import { formatFileIssue, formatIssue } from './format-issues.ts';

describe('issue lines', () => {
  it('When an issue has several locations, then all are shown with its severity and reason', () => {
    expect(
      formatIssue({ severity: 'error', code: 'value', diagnostics: 'bad', expression: ['Obs.value', 'OBX[1].5'] }),
    ).toBe('error Obs.value, OBX[1].5: bad');
    expect(formatIssue({ severity: 'warning', code: 'value' })).toBe('warning: value');
  });

  it('When a file issue has no JSON pointer or no location, then it is still one readable line', () => {
    expect(formatFileIssue({ severity: 'error', code: 'invalid', diagnostics: 'r', expression: ['a.yaml'] })).toBe(
      'a.yaml: r',
    );
    expect(formatFileIssue({ severity: 'error', code: 'invalid', diagnostics: 'r' })).toBe('(no location): r');
    expect(
      formatFileIssue({ severity: 'error', code: 'invalid', diagnostics: 'r', expression: ['C:\\m\\a.yaml:/x'] }),
    ).toBe('C:\\m\\a.yaml: /x: r');
  });
});
