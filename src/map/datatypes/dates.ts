import { parseHl7DateTime } from '../../parse/hl7v2/hl7-datetime.ts';
import { componentAt, isEmpty, type FieldRef } from '../template/field-ref.ts';
import type { EvalContext } from '../template/map-context.ts';
import type { Converter } from './converter.ts';

// The same timestamps recur throughout a message (OBR-7, OBR-22 and OBX-14 on every result) and across messages of
// a feed; parsing costs more than a map lookup. Only valid values are cached: an invalid one must raise an error
// naming its own location every time. Cleared when it grows past the bound, so memory stays flat.
const CACHE_LIMIT = 4096;
const cache = new Map<string, string>();

function dateTimeOf(ref: FieldRef, ctx: EvalContext): string | undefined {
  // A DTM field's first component (a TS in older versions carries a degree of precision in component 2).
  const text = (
    ref.path.component === undefined
      ? componentAt(ref, 1)
      : componentAt(ref, 1) || ref.seg.get(ref.path.field, ref.path.component, undefined, ref.repetition)
  ).trim();
  if (isEmpty(text)) return undefined;
  const key = `${ctx.defaultZone}\u0000${text}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const value = parseHl7DateTime(text, {
    defaultZone: ctx.defaultZone,
    where: ref.seg.at(ref.path.field, ref.path.component ?? 1),
  }).value;
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

/**
 * DTM/TS/DT → FHIR dateTime, keeping the precision sent. A time without a zone gets the message's zone (MSH-7's
 * offset, else the sender's configured zone); FHIR requires one once a time is given.
 */
export const toDateTime: Converter = (ref, ctx) => dateTimeOf(ref, ctx);

/** DT/DTM → FHIR date (the day part only; a birth time does not belong in birthDate). */
export const toDate: Converter = (ref, ctx) => dateTimeOf(ref, ctx)?.slice(0, 10);

/**
 * DTM → FHIR instant, which needs seconds and a zone. A value with less than minute precision is not an instant;
 * it is dropped rather than invented.
 */
export const toInstant: Converter = (ref, ctx) => {
  const value = dateTimeOf(ref, ctx);
  return value?.includes('T') ? value : undefined;
};
