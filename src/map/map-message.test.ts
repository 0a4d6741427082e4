import type { Observation, Quantity, ServiceRequest } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdapterError } from '../errors/adapter-error.ts';
import { mapMessage, type MappedMessage } from './map-message.ts';
import type { Mappings } from './mapping-types.ts';
import { loadTestMappings, oru } from './test-support.ts';

let mappings: Mappings;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ mappings, cleanup } = await loadTestMappings()));
afterAll(() => cleanup?.());

const PID = 'PID|1||P001^^^HOSP^MR||Tan^Mei||19600101|F';
const OBR = 'OBR|1|PL1|FL1|4548-4^HbA1c^LN|||20261120073000+0800|||||||||||||||20261120120000+0800||CH|F';
const RECEIVED = { receivedAt: '2026-01-01T00:00:00Z' };

function map(segments: string[], msh?: string): MappedMessage {
  return mapMessage(oru(segments, msh), mappings, RECEIVED);
}
function observations(m: MappedMessage): Observation[] {
  return m.entries.map((e) => e.resource).filter((r): r is Observation => r.resourceType === 'Observation');
}
function mapError(segments: string[], msh?: string): AdapterError {
  try {
    map(segments, msh);
  } catch (err) {
    if (err instanceof AdapterError) return err;
    throw err;
  }
  throw new Error('expected an AdapterError');
}

describe('mapMessage: values', () => {
  it('When NM is sent in the canonical unit, then valueQuantity keeps the unit text and adds the UCUM code', () => {
    const [obs] = observations(map([PID, OBR, 'OBX|1|NM|CRP^hs-CRP^L||2.4|mg/L|<3|N|||F']));
    expect(obs?.valueQuantity).toEqual({ value: 2.4, unit: 'mg/L', system: 'http://unitsofmeasure.org', code: 'mg/L' });
    expect(obs?.code.coding?.[0]).toMatchObject({ system: 'http://loinc.org', code: '30522-7' });
    expect(obs?.code.coding?.[1]).toMatchObject({ system: 'https://example.org/strict-lab-codes', code: 'CRP' });
    expect(obs?.referenceRange?.[0]).toMatchObject({ high: { value: 3, code: 'mg/L' }, text: '<3' });
  });

  it('When glucose comes in mg/dL, then it is converted to the canonical mmol/L by molar mass and the original is kept', () => {
    const [obs] = observations(map([PID, OBR, 'OBX|1|NM|GLU^Glucose^L||126|mg/dL|70-100||||F']));
    expect(obs?.valueQuantity?.value).toBe(6.994);
    expect(obs?.valueQuantity?.code).toBe('mmol/L');
    expect(obs?.valueQuantity?.extension?.[0]?.valueQuantity).toMatchObject({ value: 126, code: 'mg/dL' });
    expect(obs?.referenceRange?.[0]?.low).toMatchObject({ value: 3.89, code: 'mmol/L' });
  });

  it('When HbA1c comes in mmol/mol under an NGSP code, then the IFCC master equation converts it (not UCUM ratio algebra)', () => {
    const [obs] = observations(map([PID, OBR, 'OBX|1|NM|A1C^HbA1c^L||48|mmol/mol|||||F']));
    expect(obs?.valueQuantity).toMatchObject({ value: 6.54, code: '%' });
  });

  it('When a unit cannot be converted, then the error names OBX-6', () => {
    const err = mapError([PID, OBR, 'OBX|1|NM|GLU^Glucose^L||5|kg|||||F']);
    expect(err.code).toBe('map.unit-conversion');
    expect(err.outcome.issue?.[0]?.expression).toContain('OBX[1].6');
  });

  it.each([
    ['<^0.10', { valueQuantity: { comparator: '<', value: 0.1 } }],
    ['<0.10', { valueQuantity: { comparator: '<', value: 0.1 } }],
    ['=^5', { valueQuantity: { value: 5 } }],
    ['^007.5', { valueQuantity: { value: 7.5 } }],
    ['^1^-^3', { valueRange: { low: { value: 1 }, high: { value: 3 } } }],
    ['^1^:^640', { valueRatio: { numerator: { value: 1 }, denominator: { value: 640 } } }],
    ['^1^/^4', { valueRatio: { numerator: { value: 1 }, denominator: { value: 4 } } }],
    ['^2^+', { valueString: '2+' }],
    ['>^abc', { valueString: '>abc' }],
  ])('When SN is %s, then the value is %j', (sn, expected) => {
    const [obs] = observations(map([PID, OBR, `OBX|1|SN|CRP^hs-CRP^L||${sn}|mg/L|||||F`]));
    expect(obs).toMatchObject(expected);
    expect((obs?.valueQuantity?.comparator as string | undefined) === '=').toBe(false);
  });

  it('When OBX-2 is ST, TX, CWE or DT, then the matching value[x] is produced', () => {
    const obs = observations(
      map([
        PID,
        OBR,
        'OBX|1|ST|CRP^a^L||positive||||||F',
        'OBX|2|TX|CRP^b^L|2|line one~line two||||||F',
        'OBX|3|CWE|CRP^c^L|3|260373001^Detected^SCT||||||F',
        'OBX|4|DT|CRP^d^L|4|20261120||||||F',
      ]),
    );
    expect(obs.map((o) => Object.keys(o).find((k) => k.startsWith('value')))).toEqual([
      'valueString',
      'valueString',
      'valueCodeableConcept',
      'valueDateTime',
    ]);
    expect(obs[1]?.valueString).toBe('line one\nline two');
    expect(obs[2]?.valueCodeableConcept?.coding?.[0]).toEqual({
      system: 'http://snomed.info/sct',
      code: '260373001',
      display: 'Detected',
    });
    expect(obs[3]?.valueDateTime).toBe('2026-11-20');
  });

  it('When a value is not a number, then the error names OBX-5 and reports every bad OBX at once', () => {
    const err = mapError([PID, OBR, 'OBX|1|NM|CRP^a^L||abc|mg/L|||||F', 'OBX|2|NM|GLU^b^L|2|1,5|mmol/L|||||F']);
    expect(err.outcome.issue?.map((i) => i.expression?.[0])).toEqual(['OBX[1].5', 'OBX[2].5']);
  });
});

describe('mapMessage: status, time and notes', () => {
  it.each([
    ['F', 'final'],
    ['C', 'corrected'],
    ['D', 'entered-in-error'],
    ['W', 'entered-in-error'],
    ['X', 'cancelled'],
    ['I', 'registered'],
    ['P', 'preliminary'],
    ['R', 'preliminary'],
    ['S', 'preliminary'],
  ])('When OBX-11 is %s, then status is %s', (code, status) => {
    expect(observations(map([PID, OBR, `OBX|1|NM|CRP^a^L||1|mg/L|||||${code}`]))[0]?.status).toBe(status);
  });

  it('When OBX-11 is not a table 0085 code, then the error names it', () => {
    expect(mapError([PID, OBR, 'OBX|1|NM|CRP^a^L||1|mg/L|||||Q']).outcome.issue?.[0]?.expression).toEqual([
      'OBX[1].11',
    ]);
  });

  it('When the value is empty and the result cannot be obtained, then dataAbsentReason says not-performed', () => {
    const [obs] = observations(map([PID, OBR, 'OBX|1|NM|CRP^a^L|||mg/L|||||X']));
    expect(obs?.dataAbsentReason?.coding?.[0]?.code).toBe('not-performed');
    expect(obs?.valueQuantity).toBeUndefined();
  });

  it('When OBX-14 has no zone, then the sender zone is applied; with a zone it is kept; a day stays a day', () => {
    const obs = observations(
      map([
        PID,
        OBR,
        'OBX|1|NM|CRP^a^L||1|mg/L|||||F|||202611200730',
        'OBX|2|NM|CRP^a^L|2|1|mg/L|||||F|||202611200730-0500',
        'OBX|3|NM|CRP^a^L|3|1|mg/L|||||F|||20261120',
      ]),
    );
    expect(obs.map((o) => o.effectiveDateTime)).toEqual([
      '2026-11-20T07:30:00+08:00',
      '2026-11-20T07:30:00-05:00',
      '2026-11-20',
    ]);
  });

  it('When OBX-14 is not a date, then the error names OBX[1].14', () => {
    expect(
      mapError([PID, OBR, 'OBX|1|NM|CRP^a^L||1|mg/L|||||F|||20261340']).outcome.issue?.[0]?.expression?.[0],
    ).toMatch(/^OBX\[1\]\.14/);
  });

  it('When NTE follows OBR and OBX, then they become ServiceRequest.note and Observation.note', () => {
    const m = map([
      PID,
      OBR,
      'NTE|1||order comment',
      'OBX|1|NM|CRP^a^L||1|mg/L|||||F',
      'NTE|1||first line~second line',
    ]);
    const sr = m.entries.find((e) => e.resource.resourceType === 'ServiceRequest')?.resource as ServiceRequest;
    expect(sr.note).toEqual([{ text: 'order comment' }]);
    expect(observations(m)[0]?.note).toEqual([{ text: 'first line\nsecond line' }]);
  });
});

describe('mapMessage: codes and identity', () => {
  it('When a local code is unmapped under a reject policy, then the message fails naming OBX-3', () => {
    const err = mapError([PID, OBR, 'OBX|1|NM|NOPE^Unknown^L||1|mg/L|||||F']);
    expect(err.code).toBe('map.unmapped-code');
    expect(err.outcome.issue?.[0]?.expression).toEqual(['OBX[1].3']);
  });

  it('When a local code is unmapped under pass-through, then the Observation is flagged, unprofiled, and reported', () => {
    const m = map(
      [PID, OBR, 'OBX|1|NM|NOPE^Unknown^L||1|mg/L|||||F'],
      'MSH|^~\\&|LENIENT|ANY|SB|SB|20261121||ORU^R01|M2|P|2.5.1',
    );
    const [obs] = observations(m);
    expect(obs?.meta?.tag?.[0]?.code).toBe('unmapped-code');
    expect(obs?.meta?.profile).toBeUndefined();
    expect(obs?.code.coding).toEqual([
      { system: 'https://example.org/lenient-lab-codes', code: 'NOPE', display: 'Unknown' },
    ]);
    expect(m.unmapped).toEqual([
      expect.objectContaining({ code: 'NOPE', location: 'OBX[1].3', action: 'passed-through' }),
    ]);
    expect(m.warnings[0]?.details?.coding?.[0]?.code).toBe('map.unmapped-code');
  });

  it('When a message is mapped twice, then every entry has the same conditional URL (resending is idempotent)', () => {
    const segs = [PID, OBR, 'OBX|1|NM|CRP^a^L||1|mg/L|||||F'];
    expect(map(segs).entries.map((e) => e.request.url)).toEqual(map(segs).entries.map((e) => e.request.url));
    const urls = map(segs).entries.map((e) => e.request.url);
    expect(urls).toContain('Patient?identifier=https%3A%2F%2Fexample.org%2Fhosp-mrn|P001');
    expect(urls).toContain(
      'Observation?identifier=https%3A%2F%2Fstudybridge.org%2Ffhir%2Fid%2Fstrict-lab%2Fobservation|FL1%2FCRP',
    );
  });

  it('When a correction arrives in another message, then it targets the same Observation', () => {
    const original = map([PID, OBR, 'OBX|1|NM|CRP^a^L||1|mg/L|||||F']);
    const corrected = map(
      [PID, OBR, 'OBX|1|NM|CRP^a^L||1.2|mg/L|||||C'],
      'MSH|^~\\&|STRICT|HOSP|SB|SB|20261122||ORU^R01|MSG2|P|2.5.1',
    );
    const url = (m: MappedMessage): unknown =>
      m.entries.find((e) => e.resource.resourceType === 'Observation')?.request.url;
    expect(url(corrected)).toBe(url(original));
    expect(observations(corrected)[0]?.status).toBe('corrected');
  });

  it('When two OBX share code and sub-ID, then the set ID tells them apart; when that also repeats, it is an error', () => {
    const m = map([PID, OBR, 'OBX|1|NM|CRP^a^L||1|mg/L|||||F', 'OBX|2|NM|CRP^a^L||2|mg/L|||||F']);
    expect(observations(m).map((o) => o.identifier?.[0]?.value)).toEqual(['FL1/CRP/1', 'FL1/CRP/2']);
    const err = mapError([PID, OBR, 'OBX|1|NM|CRP^a^L||1|mg/L|||||F', 'OBX|1|NM|CRP^a^L||2|mg/L|||||F']);
    expect(err.code).toBe('map.duplicate-key');
  });

  it('When two SPM share a specimen ID, then they are one Specimen and references point to it', () => {
    const m = map([
      PID,
      OBR,
      'OBX|1|NM|CRP^a^L||1|mg/L|||||F',
      'SPM|1|S1||BLD',
      'OBR|2|PL2|FL2|1558-6^Glu^LN',
      'OBX|1|NM|GLU^g^L||5|mmol/L|||||F',
      'SPM|2|S1||BLD',
    ]);
    const specimens = m.entries.filter((e) => e.resource.resourceType === 'Specimen');
    expect(specimens).toHaveLength(1);
    expect(observations(m).map((o) => o.specimen?.reference)).toEqual([specimens[0]?.fullUrl, specimens[0]?.fullUrl]);
  });

  it('When one ORC precedes two OBR, then only the first OBR takes its placer number', () => {
    const m = map([PID, 'ORC|RE|ORCPL', 'OBR|1||F1|4548-4^a^LN', 'OBR|2||F2|1558-6^b^LN']);
    const srs = m.entries
      .map((e) => e.resource)
      .filter((r): r is ServiceRequest => r.resourceType === 'ServiceRequest');
    expect(srs.map((s) => s.identifier?.map((i) => i.value))).toEqual([['F1', 'ORCPL'], ['F2']]);
  });

  it('When the message type has no manifest, then it is unsupported (answered AR)', () => {
    expect(mapError([PID], 'MSH|^~\\&|STRICT|HOSP|SB|SB|20261121||ADT^A01|M3|P|2.5.1').code).toBe(
      'parse.unsupported-message',
    );
    expect(mapError([PID], 'MSH|^~\\&|STRICT|HOSP|SB|SB|20261121||ORU^R01|M3|P|2.2').code).toBe(
      'parse.unsupported-message',
    );
  });

  it('When a value converts, then its quantity keeps no more precision than was sent', () => {
    const q = observations(map([PID, OBR, 'OBX|1|NM|GLU^Glucose^L||90|mg/dL|||||F']))[0]?.valueQuantity as Quantity;
    expect(q.value).toBe(5); // 4.995… with 2 significant digits sent -> 3 kept
  });

  it('When PID-8 comes as a v2.7 CWE, then the table still maps its code', () => {
    const m = map(['PID|1||P001^^^HOSP^MR||Tan^Mei||19600101|M^Male^HL70001', OBR]);
    expect(m.entries.find((e) => e.resource.resourceType === 'Patient')?.resource).toMatchObject({ gender: 'male' });
  });

  it('When OBX-6 holds only separators, then the unit configured for the code applies', () => {
    expect(observations(map([PID, OBR, 'OBX|1|NM|CRP^a^L||2.4|^|||||F']))[0]?.valueQuantity?.code).toBe('mg/L');
  });

  it('When MSH-7 carries an offset, then unzoned times use it rather than the configured sender zone', () => {
    const msh = 'MSH|^~\\&|STRICT|HOSP|SB|SB|20261121083000-0300||ORU^R01|M9|P|2.5.1';
    expect(
      observations(map([PID, OBR, 'OBX|1|NM|CRP^a^L||1|mg/L|||||F|||202611200730'], msh))[0]?.effectiveDateTime,
    ).toBe('2026-11-20T07:30:00-03:00');
  });

  it('When resources cannot be told apart, then each location is its own expression', () => {
    const err = mapError([PID, OBR, 'OBX|1|NM|CRP^a^L||1|mg/L|||||F', 'OBX|1|NM|CRP^a^L||2|mg/L|||||F']);
    expect(err.outcome.issue?.[0]?.expression).toEqual(['OBX[1]', 'OBX[2]']);
  });

  it('When a segment is used by no rule, then a warning names it instead of dropping it silently', () => {
    const m = map([PID, OBR, 'OBX|1|NM|CRP^a^L||1|mg/L|||||F', '0BX|2|NM|CRP^a^L||2|mg/L|||||F', 'ZAB|1|x']);
    const unused = m.warnings.find((w) => w.diagnostics?.includes('not used'));
    expect(unused?.expression).toEqual(['0BX[1]', 'ZAB[1]']);
    expect(unused?.severity).toBe('warning');
  });
});
