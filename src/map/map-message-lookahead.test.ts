import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMessage } from '../parse/hl7v2/index.ts';
import { mapMessage } from './map-message.ts';
import type { Mappings } from './mapping-types.ts';
import { loadTestMappings } from './test-support.ts';

// A test message type shaped like RAS^O17: {ORC {RXA} RXR [CTI]}, where the RXR after a run of RXA routes all of
// them and the CTI at the end of an order concerns every administration in it.
const MANIFEST = `
message: ZRA^Z01
versions: ["2.5.1"]
context:
  PID: { resets: [ORC, RXA, RXR, CTI] }
  ORC: { resets: [RXA, RXR, CTI] }
  RXA: { resets: [RXR], lookahead: [RXR, CTI] }
resources:
  - { name: zPatient, segment: PID, resource: Patient, template: Patient }
  - { name: zProbe, segment: RXA, resource: Basic, template: ZProbe, disambiguateBy: RXA.2 }
  - { name: zStudied, segment: RXA, resource: Basic, template: ZStudied, when: { field: CTI.1, notNull: true } }
`;
const PROBE = `
identifier:
  - system: https://example.org/probe
    value:
      $join: [{ $from: RXA.2 }, { $from: RXR.1.1, $default: no-route }, { $from: CTI.1.1, $default: no-study }]
      $sep: /
subject: { $ref: zPatient }
`;
const STUDIED = `
identifier:
  - { system: https://example.org/studied, value: { $join: [{ $from: CTI.1.1 }, { $from: RXA.2 }], $sep: / } }
`;

let mappings: Mappings;
let cleanup: () => Promise<void>;
beforeAll(
  async () =>
    ({ mappings, cleanup } = await loadTestMappings({
      'messages/ZRA_Z01.yaml': MANIFEST,
      'templates/ZProbe.yaml': PROBE,
      'templates/ZStudied.yaml': STUDIED,
    })),
);
afterAll(() => cleanup?.());

const MSH = 'MSH|^~\\&|STRICT|HOSP|SB|SB|20261121083000+0800||ZRA^Z01|MSG1|P|2.5.1';
const PID = 'PID|1||P001^^^HOSP^MR';

function identifiers(segments: string[], system: string): string[] {
  const mapped = mapMessage(parseMessage([MSH, PID, ...segments].join('\r')), mappings, {
    receivedAt: '2026-01-01T00:00:00Z',
  });
  return mapped.entries
    .map((e) => (e.resource as { identifier?: { system?: string; value?: string }[] }).identifier?.[0])
    .filter((id) => id?.system === system)
    .map((id) => id?.value ?? '');
}
const probes = (segments: string[]): string[] => identifiers(segments, 'https://example.org/probe');

describe('mapMessage: segments looked ahead to', () => {
  it('When an RXR follows its RXA, then the RXA reads the RXR as if it had come first', () => {
    expect(probes(['ORC|RE', 'RXA|0|1', 'RXR|IV'])).toEqual(['1/IV/no-study']);
  });

  it('When one RXR follows a run of RXA, then every RXA of the run reads it', () => {
    expect(probes(['ORC|RE', 'RXA|0|1', 'RXA|0|2', 'RXR|IV'])).toEqual(['1/IV/no-study', '2/IV/no-study']);
  });

  it('When each RXA has its own RXR, then each reads its own, not the one of the RXA before', () => {
    expect(probes(['ORC|RE', 'RXA|0|1', 'RXR|IV', 'RXA|0|2', 'RXR|SC'])).toEqual(['1/IV/no-study', '2/SC/no-study']);
  });

  it('When a CTI ends an order, then the administrations of that order read it and those of the next do not', () => {
    expect(probes(['ORC|RE', 'RXA|0|1', 'RXR|IV', 'CTI|STUDY-A', 'ORC|RE', 'RXA|0|2', 'RXR|IV'])).toEqual([
      '1/IV/STUDY-A',
      '2/IV/no-study',
    ]);
  });

  it('When an order has no CTI, then a CTI of a later order never reaches back into it', () => {
    expect(probes(['ORC|RE', 'RXA|0|1', 'RXR|IV', 'ORC|RE', 'RXA|0|2', 'RXR|IV', 'CTI|STUDY-B'])).toEqual([
      '1/IV/no-study',
      '2/IV/STUDY-B',
    ]);
  });

  it("When a rule's condition reads a segment looked ahead to, then it sees that segment", () => {
    const segments = ['ORC|RE', 'RXA|0|1', 'RXR|IV', 'CTI|STUDY-A', 'ORC|RE', 'RXA|0|2', 'RXR|IV'];
    expect(identifiers(segments, 'https://example.org/studied')).toEqual(['STUDY-A/1']);
  });

  it('When segments are only looked ahead to, then they are not reported as unused', () => {
    const message = parseMessage([MSH, PID, 'ORC|RE', 'RXA|0|1', 'RXR|IV', 'CTI|STUDY-A', 'ZZZ|1'].join('\r'));
    const { warnings } = mapMessage(message, mappings, { receivedAt: '2026-01-01T00:00:00Z' });
    expect(warnings.flatMap((w) => w.expression ?? [])).toEqual(['ZZZ[1]']);
  });
});
