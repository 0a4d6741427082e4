import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMessage } from '../parse/hl7v2/index.ts';
import { mapMessage, type MappedMessage } from './map-message.ts';
import type { Mappings } from './mapping-types.ts';
import { loadTestMappings } from './test-support.ts';

// One conditional-create rule merged by identifier, one told apart by set ID.
const MANIFEST = `
message: ZCC^Z01
versions: ["2.5.1"]
context: {}
resources:
  - { name: zcPatient, segment: PID, resource: Patient, template: Patient }
  - { name: zcMerged, segment: ZCM, resource: Basic, template: ZcMerged, request: conditional-create, duplicates: same-resource }
  - { name: zcApart, segment: ZCA, resource: Basic, template: ZcApart, request: conditional-create, disambiguateBy: ZCA.1 }
`;
const MERGED = 'identifier:\n  - { system: "https://example.org/merged", value: { $from: ZCM.2 } }\n';
const APART = 'identifier:\n  - { system: "https://example.org/apart", value: { $from: ZCA.2 } }\n';

let mappings: Mappings;
let cleanup: () => Promise<void>;
beforeAll(
  async () =>
    ({ mappings, cleanup } = await loadTestMappings({
      'messages/ZCC_Z01.yaml': MANIFEST,
      'templates/ZcMerged.yaml': MERGED,
      'templates/ZcApart.yaml': APART,
    })),
);
afterAll(() => cleanup?.());

function map(segments: string[]): MappedMessage {
  const msh = 'MSH|^~\\&|STRICT|HOSP|SB|SB|20261121083000+0800||ZCC^Z01|MSG1|P|2.5.1';
  return mapMessage(parseMessage([msh, 'PID|1||P001^^^HOSP^MR', ...segments].join('\r')), mappings, {
    receivedAt: '2026-01-01T00:00:00Z',
  });
}
const basics = (m: MappedMessage) => m.entries.filter((e) => e.resource.resourceType === 'Basic');

describe('assignRequests: conditional create', () => {
  it('When a rule asks for a conditional create, then the entry is a POST with ifNoneExist on the identifier', () => {
    const [entry] = basics(map(['ZCM|1|S 1']));
    expect(entry?.request).toEqual({
      method: 'POST',
      url: 'Basic',
      ifNoneExist: 'identifier=https%3A%2F%2Fexample.org%2Fmerged|S%201',
    });
  });

  it('When two segments of a same-resource rule give one identifier, then one conditional create remains', () => {
    expect(basics(map(['ZCM|1|S1', 'ZCM|2|S1'])).map((e) => e.request.ifNoneExist)).toEqual([
      'identifier=https%3A%2F%2Fexample.org%2Fmerged|S1',
    ]);
  });

  it('When two resources are told apart by set ID, then each stays a conditional create on its own identifier', () => {
    expect(basics(map(['ZCA|1|S1', 'ZCA|2|S1'])).map((e) => e.request)).toEqual([
      { method: 'POST', url: 'Basic', ifNoneExist: 'identifier=https%3A%2F%2Fexample.org%2Fapart|S1%2F1' },
      { method: 'POST', url: 'Basic', ifNoneExist: 'identifier=https%3A%2F%2Fexample.org%2Fapart|S1%2F2' },
    ]);
  });
});
