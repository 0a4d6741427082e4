import type { Coding } from '@medplum/fhirtypes';
import type { Mappings, Sender } from './mapping-types.ts';
import { componentAt, isEmpty, type FieldRef } from './template/field-ref.ts';
import type { CodeLookup, EvalContext } from './template/map-context.ts';

const LOINC = 'http://loinc.org';

/** The coded triplets of a CWE/CE field: (1,2,3) identifier/text/system and (4,5,6) the alternate. */
export const CWE_TRIPLETS: readonly (readonly [number, number, number])[] = [
  [1, 2, 3],
  [4, 5, 6],
];

/**
 * Turns an HL7 coding-system name (table 0396: `LN`, `SCT`, `L`, `99zzz`) into a FHIR system URI. Local names
 * (`L`, `99…`, none) and names the table does not know become the sender's own local CodeSystem, because such
 * codes only mean something within that sender.
 * @returns The system URI.
 */
export function systemUri(name: string, mappings: Mappings, sender: Sender): string {
  const n = name.trim();
  if (!n || n === 'L' || /^99[A-Z0-9]{0,3}$/i.test(n)) return sender.localCodeSystem;
  const known = mappings.codingSystems.get(n) ?? mappings.codingSystems.get(n.toUpperCase());
  if (known) return known;
  for (const { pattern, uri } of mappings.codingSystemPatterns) {
    const m = pattern.exec(n);
    if (m) return uri.replace(/\$(\d)/g, (_, i: string) => m[Number(i)] ?? '');
  }
  return sender.localCodeSystem;
}

/** @returns The codings a CWE/CE field carries, in order, with systems resolved. */
export function cweCodings(ref: FieldRef, ctx: EvalContext): Coding[] {
  return cweTriplets(ref, ctx).map((t) => t.coding);
}

/** One coded triplet of a CWE as sent: its Coding, which triplet it was (0 primary, 1 alternate, …), and the
 * coding-system name the sender gave for it (empty when none). */
export interface SentCoding {
  coding: Coding;
  triplet: number;
  sentSystem: string;
}

/**
 * The coded triplets of a CWE/CE/CNE that carry a code, with where each came from.
 * @param ref - The field.
 * @param ctx - Evaluation context (coding-system names, sender).
 * @returns One entry per triplet with a code, in order.
 */
export function cweTriplets(ref: FieldRef, ctx: EvalContext): SentCoding[] {
  const out: SentCoding[] = [];
  CWE_TRIPLETS.forEach(([c, d, s], triplet) => {
    const code = componentAt(ref, c).trim();
    if (isEmpty(code)) return;
    const display = componentAt(ref, d).trim();
    const sentSystem = componentAt(ref, s).trim();
    out.push({
      coding: {
        system: systemUri(componentAt(ref, s), ctx.mappings, ctx.sender),
        code,
        ...(isEmpty(display) ? {} : { display }),
      },
      triplet,
      sentSystem,
    });
  });
  return out;
}

/**
 * Finds the analyte an observation identifier (OBX-3) stands for: the sender's local table first (it knows what
 * its codes and units mean), then a LOINC code as sent. Memoised per segment and path, so the code and the value
 * converters of one OBX agree and pay once.
 * @param ref - The OBX-3 (or other CWE) reference.
 * @param ctx - Evaluation context.
 * @returns What was found; an empty object when the code is neither in the table nor LOINC.
 */
export function lookupObservationCode(ref: FieldRef, ctx: EvalContext): CodeLookup {
  const key = `${ref.seg.index}:${ref.path.field}:${ref.repetition}`;
  const hit = ctx.lookups.get(key);
  if (hit) return hit;
  const result = lookup(ref, ctx);
  ctx.lookups.set(key, result);
  return result;
}

function lookup(ref: FieldRef, ctx: EvalContext): CodeLookup {
  const table = ctx.mappings.localCodes.get(ctx.sender.id);
  const codings = cweCodings(ref, ctx);
  for (const coding of codings) {
    if (coding.system === LOINC || !coding.code) continue;
    const row = table?.get(coding.code);
    if (row) return row.unit ? { analyte: row.analyte, defaultUnit: row.unit } : { analyte: row.analyte };
  }
  for (const coding of codings) {
    if (coding.system !== LOINC || !coding.code) continue;
    const analyte = ctx.mappings.analytesByCode.get(`${LOINC}|${coding.code}`);
    return analyte ? { analyte, loincAsSent: true } : { loincAsSent: true };
  }
  return {};
}
