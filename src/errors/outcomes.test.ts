import { describe, expect, it } from 'vitest';
import { AdapterError } from './adapter-error.ts';
import { ErrorCode } from './error-codes.ts';
import { adapterError, hasErrors, IssueType, normalizeError, outcome, issue } from './outcomes.ts';

describe('outcomes', () => {
  it('When an error names an HL7 location and a FHIR path, then both go to expression', () => {
    const err = adapterError(ErrorCode.MapRequiredMissing, IssueType.Required, 'OBX-3 is empty', {
      hl7: 'OBX[2].3',
      fhir: 'Observation.code',
    });
    expect(err.code).toBe('map.required-missing');
    expect(err.outcome.issue?.[0]?.expression).toEqual(['Observation.code', 'OBX[2].3']);
    expect(err.message).toBe('OBX-3 is empty');
  });

  it('When something unknown is thrown, then it becomes internal.error without echoing its text', () => {
    const err = normalizeError(new TypeError('patient Jane Doe broke it'));
    expect(err).toBeInstanceOf(AdapterError);
    expect(err.code).toBe(ErrorCode.Internal);
    expect(err.message).not.toContain('Jane');
  });

  it('When an outcome has only warnings, then it has no errors', () => {
    expect(hasErrors(outcome([issue('warning', IssueType.Value, 'w')]))).toBe(false);
    expect(hasErrors(outcome([issue('error', IssueType.Value, 'e')]))).toBe(true);
  });
});
