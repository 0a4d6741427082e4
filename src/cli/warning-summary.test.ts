import { describe, expect, it } from 'vitest';
import { failedMessage, okMessage, unmappedWarning } from '../conformance/test-fixtures.ts';
import { summariseWarnings } from './warning-summary.ts';

describe('warning summary', () => {
  it('When the map stage words an unmapped code only in diagnostics, then the code is still named', () => {
    const warning = {
      severity: 'warning' as const,
      code: 'code-invalid' as const,
      diagnostics: "local code 'NA-LOC' has no mapping; passed through as 99LAB (flagged)",
      expression: ['OBX[4].3'],
    };
    expect(summariseWarnings([okMessage(0, 'M', [warning])])).toEqual([
      '1 unmapped local code passed through: NA-LOC at OBX[4].3',
    ]);
  });

  it('When several messages have warnings, then each names its message; failed messages are not repeated here', () => {
    const lines = summariseWarnings([
      okMessage(0, 'M1', [unmappedWarning('A', 'L', 'OBX[1].3')]),
      okMessage(1, undefined, [unmappedWarning('B', 'L', 'OBX[2].3')]),
      failedMessage(2, 'M3'),
    ]);
    expect(lines).toEqual([
      '2 unmapped local codes passed through: A (L) at OBX[1].3 (message 0 (M1)); B (L) at OBX[2].3 (message 1)',
    ]);
  });

  it('When there are no warnings, then nothing is said', () => {
    expect(summariseWarnings([okMessage(0, 'M', [{ severity: 'information', code: 'informational' }])])).toEqual([]);
  });
});
