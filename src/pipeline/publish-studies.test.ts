import { beforeAll, describe, expect, it } from 'vitest';
import { loadMappings } from '../map/load-mappings.ts';
import type { Studies } from '../map/study/study-types.ts';
import { STUDIES_MESSAGE_TYPE, studiesMessage } from './publish-studies.ts';

let studies: Studies;
beforeAll(async () => {
  studies = (await loadMappings('mappings')).studies!;
});

describe('studiesMessage', () => {
  it('When there are studies, then one converted message holds a conditional update of each ResearchStudy', () => {
    const m = studiesMessage(studies, '2026-01-01T00:00:00Z')!;
    expect(m).toMatchObject({ state: 'converted', messageType: STUDIES_MESSAGE_TYPE, orderKey: 'studies' });
    const bundle = JSON.parse(m.bundle!) as { type: string; entry: { request: { method: string; url: string } }[] };
    expect(bundle.type).toBe('transaction');
    expect(bundle.entry.map((e) => e.request.method)).toEqual(['PUT', 'PUT', 'PUT']);
    expect(bundle.entry.map((e) => e.request.url.split('|')[1])).toEqual([
      'uc-msc-nafld-rct',
      'uc-msc-registry',
      'uc-msc-safety-rct',
    ]);
    expect(new TextDecoder().decode(m.raw)).toBe(m.bundle);
  });

  it('When the definitions are unchanged, then the control ID is too; when one changes, it changes', () => {
    const a = studiesMessage(studies, '2026-01-01T00:00:00Z')!;
    const b = studiesMessage(studies, '2026-02-01T00:00:00Z')!;
    expect(b.controlId).toBe(a.controlId);
    const [first] = studies.values();
    const changed = new Map(studies);
    changed.set(first!.definition.id, { ...first!, researchStudy: { ...first!.researchStudy, status: 'withdrawn' } });
    expect(studiesMessage(changed, '2026-01-01T00:00:00Z')!.controlId).not.toBe(a.controlId);
  });

  it('When there are no studies, then there is nothing to publish', () => {
    expect(studiesMessage(new Map(), '2026-01-01T00:00:00Z')).toBeUndefined();
  });
});
