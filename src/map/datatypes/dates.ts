import { parseHl7DateTime } from '../../parse/hl7v2/hl7-datetime.ts';
import { isEmpty, textAt } from '../template/field-ref.ts';
import type { Converter } from './converter.ts';

/**
 * DTM/TS/DT → FHIR dateTime, keeping the precision sent. A time without a zone gets the message's zone (see
 * {@link messageZone}); FHIR requires one once a time is given.
 */
export const toDateTime: Converter = (ref, ctx) => {
  const text = textAt({ ...ref, path: { ...ref.path, component: ref.path.component ?? 1 } }).trim();
  if (isEmpty(text)) return undefined;
  return parseHl7DateTime(text, {
    defaultZone: ctx.defaultZone,
    where: ref.seg.at(ref.path.field, ref.path.component ?? 1),
  }).value;
};

/** DT/DTM → FHIR date (the day part only; a birth time does not belong in birthDate). */
export const toDate: Converter = (ref, ctx) => {
  const value = toDateTime(ref, ctx, {}) as string | undefined;
  return value?.slice(0, 10);
};

/**
 * DTM → FHIR instant, which needs seconds and a zone. A value with less than minute precision is not an instant;
 * it is dropped rather than invented.
 */
export const toInstant: Converter = (ref, ctx) => {
  const text = textAt({ ...ref, path: { ...ref.path, component: ref.path.component ?? 1 } }).trim();
  if (isEmpty(text)) return undefined;
  const dt = parseHl7DateTime(text, {
    defaultZone: ctx.defaultZone,
    where: ref.seg.at(ref.path.field, ref.path.component ?? 1),
  });
  return dt.value.includes('T') ? dt.value : undefined;
};
