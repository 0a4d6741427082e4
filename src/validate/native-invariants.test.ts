import { parseFhirPath, toTypedValue } from '@medplum/core';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from './compiled-types.ts';
import { loadCoreDefinitions } from './definitions.ts';
import { NATIVE_INVARIANTS } from './native-invariants.ts';

loadCoreDefinitions(); // indexes the definitions the FHIRPath engine needs for typing

/** The engine's verdict on the R4 expression of a native invariant. */
function engine(key: string, context: unknown, typeName: string, root: JsonObject): boolean {
  const native = NATIVE_INVARIANTS[key];
  if (!native) throw new Error(key);
  const ctx = { type: typeName, value: context };
  const variables = { '%resource': toTypedValue(root), '%rootResource': toTypedValue(root), '%context': ctx };
  const r = parseFhirPath(native.expression).eval({ variables }, [ctx]);
  return r.length === 1 && r[0]?.value === true;
}

function native(key: string, context: unknown, typeName: string, root: JsonObject): boolean {
  return NATIVE_INVARIANTS[key]?.full(context, typeName, { resource: root, rootResource: root }) ?? false;
}

describe('native invariants', () => {
  it('When bdl-7 is checked natively, then it agrees with the FHIRPath engine', () => {
    const e = (fullUrl?: string, versionId?: string) => ({
      ...(fullUrl ? { fullUrl } : {}),
      resource: { resourceType: 'Basic', code: { text: 'x' }, ...(versionId ? { meta: { versionId } } : {}) },
    });
    const bundles: JsonObject[] = [
      { resourceType: 'Bundle', type: 'transaction', entry: [e('urn:uuid:1'), e('urn:uuid:2')] },
      { resourceType: 'Bundle', type: 'transaction', entry: [e('urn:uuid:1'), e('urn:uuid:1')] },
      { resourceType: 'Bundle', type: 'history', entry: [e('urn:uuid:1'), e('urn:uuid:1')] },
      { resourceType: 'Bundle', type: 'collection', entry: [e('urn:uuid:1', '1'), e('urn:uuid:1', '2')] },
      { resourceType: 'Bundle', type: 'collection', entry: [e('urn:uuid:1', '1'), e('urn:uuid:1', '1')] },
      { resourceType: 'Bundle', type: 'collection', entry: [e(), e(), e('urn:uuid:3')] },
      { resourceType: 'Bundle', type: 'collection' },
    ];
    const verdicts = bundles.map((b) => native('bdl-7', b, 'Bundle', b));
    expect(verdicts).toEqual(bundles.map((b) => engine('bdl-7', b, 'Bundle', b)));
    expect(verdicts).toEqual([true, false, true, true, false, true, true]);
  });

  it('When ref-1 is checked natively on references that have a reference, then it agrees with the engine', () => {
    const root = { resourceType: 'Observation', contained: [{ resourceType: 'Practitioner', id: 'p1' }] };
    const refs = [{ reference: '#p1' }, { reference: '#p2' }, { reference: 'Patient/1' }, { reference: 'urn:uuid:1' }];
    const verdicts = refs.map((r) => native('ref-1', r, 'Reference', root));
    expect(verdicts).toEqual(refs.map((r) => engine('ref-1', r, 'Reference', root)));
    expect(verdicts).toEqual([true, false, true, true]);
  });

  it('When a Reference has no reference, then native ref-1 holds where the literal R4 expression gives empty', () => {
    const root = { resourceType: 'Observation' };
    expect(engine('ref-1', { display: 'Lab' }, 'Reference', root)).toBe(false);
    expect(native('ref-1', { display: 'Lab' }, 'Reference', root)).toBe(true);
  });

  it('When contained resources are or are not referenced, then native dom-3 tells them apart', () => {
    const contained = [{ resourceType: 'Practitioner', id: 'p1' }];
    expect(native('dom-3', { resourceType: 'Observation', contained }, 'Observation', {})).toBe(false);
    expect(
      native('dom-3', { resourceType: 'Observation', contained, performer: [{ reference: '#p1' }] }, 'Observation', {}),
    ).toBe(true);
    const backRef = [{ resourceType: 'Provenance', id: 'v', target: [{ reference: '#' }] }];
    expect(native('dom-3', { resourceType: 'Observation', contained: backRef }, 'Observation', {})).toBe(true);
  });

  it('When a narrative has script or no text, then txt-1 or txt-2 fails', () => {
    const div = (inner: string) => ({
      status: 'generated',
      div: `<div xmlns="http://www.w3.org/1999/xhtml">${inner}</div>`,
    });
    expect(native('txt-1', div('<p>ok</p>'), 'Narrative', {})).toBe(true);
    expect(native('txt-1', div('<script>x()</script>'), 'Narrative', {})).toBe(false);
    expect(native('txt-1', div('<p onclick="x()">a</p>'), 'Narrative', {})).toBe(false);
    expect(native('txt-2', div('<p> </p>'), 'Narrative', {})).toBe(false);
    expect(native('txt-2', div('<p>a</p>'), 'Narrative', {})).toBe(true);
  });

  it('When the core definitions are loaded, then each native replaces an expression they really contain', () => {
    const expressions = new Set<string>();
    for (const sd of loadCoreDefinitions().byUrl.values()) {
      for (const ed of sd.snapshot?.element ?? [])
        for (const c of ed.constraint ?? []) expressions.add(`${c.key} ${c.expression}`);
    }
    for (const [key, n] of Object.entries(NATIVE_INVARIANTS)) expect(expressions).toContain(`${key} ${n.expression}`);
  });
});
