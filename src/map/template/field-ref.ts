import { formatLocation } from '../../parse/hl7v2/location.ts';
import type { Hl7Segment } from '../../parse/hl7v2/types.ts';
import { parseHl7Path, type Hl7Path } from './hl7-path.ts';
import type { EvalContext } from './map-context.ts';

/** A resolved position in the message: what converters read from. */
export interface FieldRef {
  readonly seg: Hl7Segment;
  readonly path: Hl7Path;
  /** 1-based repetition. */
  readonly repetition: number;
}

/** HL7 "explicit null" (`""`) and absence are both "no value" for a converter. */
export function isEmpty(value: string | undefined): boolean {
  return value === undefined || value === '' || value === '""';
}

/**
 * Finds the segment a path names: the current segment when the IDs match, else the segment of that ID in scope
 * (`OBR.7` from an OBX, `MSH.10` from anywhere).
 * @returns The segment, or undefined when none is in scope.
 */
export function segmentFor(path: Hl7Path, ctx: EvalContext): Hl7Segment | undefined {
  if (ctx.segment.id === path.segment) return ctx.segment;
  if (path.segment === 'MSH') return ctx.message.header;
  return ctx.scope.get(path.segment);
}

/** @returns The decoded text a reference points at ('' when absent). */
export function textAt(ref: FieldRef): string {
  const { field, component, subcomponent } = ref.path;
  return ref.seg.get(field, component, subcomponent, ref.repetition);
}

/**
 * Reads part `c` of the composite a reference points at. When the path names a whole field, `c` is a component
 * (and `s` a subcomponent); when it names a component (`SPM.2.1`, an EI inside an EIP), `c` is a subcomponent of
 * it, so one converter serves a datatype wherever it is nested.
 * @returns The decoded text ('' when absent).
 */
export function componentAt(ref: FieldRef, c: number, s?: number): string {
  if (ref.path.component !== undefined) {
    return s !== undefined ? '' : ref.seg.get(ref.path.field, ref.path.component, c, ref.repetition);
  }
  return ref.seg.get(ref.path.field, c, s, ref.repetition);
}

/** @returns The reference's location as written in errors, e.g. `OBX[2].5.1`. */
export function locationOf(ref: FieldRef, component?: number): string {
  return formatLocation(
    ref.seg.at(
      ref.path.field,
      component ?? ref.path.component,
      component ? undefined : ref.path.subcomponent,
      ref.repetition > 1 ? ref.repetition : undefined,
    ),
  );
}

/**
 * Resolves the first of several paths that has a value in the current context.
 * @param paths - One path or alternatives in order of preference.
 * @param ctx - Evaluation context.
 * @returns The reference, or undefined when every path is empty.
 */
export function resolveFirst(paths: string | readonly string[], ctx: EvalContext): FieldRef | undefined {
  return resolveFirstParsed((typeof paths === 'string' ? [paths] : paths).map(parseHl7Path), ctx);
}

/** {@link resolveFirst} for paths parsed once, when the template was compiled. */
export function resolveFirstParsed(paths: readonly Hl7Path[], ctx: EvalContext): FieldRef | undefined {
  for (const path of paths) {
    const seg = segmentFor(path, ctx);
    if (!seg) continue;
    const ref: FieldRef = { seg, path, repetition: 1 };
    if (!isEmpty(textAt(ref))) return ref;
  }
  return undefined;
}

/** @returns One reference per non-empty repetition of the field a path names. */
export function resolveEach(pathText: string, ctx: EvalContext): FieldRef[] {
  const path = parseHl7Path(pathText);
  const seg = segmentFor(path, ctx);
  if (!seg) return [];
  const refs: FieldRef[] = [];
  const n = seg.repetitions(path.field);
  for (let r = 1; r <= n; r++) {
    const ref: FieldRef = { seg, path, repetition: r };
    if (!isEmpty(textAt(ref))) refs.push(ref);
  }
  return refs;
}
