import type { FieldRef } from '../template/field-ref.ts';
import type { EvalContext } from '../template/map-context.ts';

/** The directive object a converter was called from (`$as`, `$args`, `$system` …), for converter-specific options. */
export type Directive = Readonly<Record<string, unknown>>;

/**
 * An HL7 datatype → FHIR datatype conversion. It reads from `ref` (a field, component or repetition) and returns the
 * FHIR value, or undefined when there is nothing to emit. It throws an AdapterError naming the HL7 location for
 * content that cannot be converted.
 */
export type Converter = (ref: FieldRef, ctx: EvalContext, directive: Directive) => unknown;

/** @returns The `$args` entry `name` of a directive (an HL7 path or list of paths), if given. */
export function argPaths(directive: Directive, name: string): string | string[] | undefined {
  const args = directive.$args as Record<string, string | string[]> | undefined;
  return args?.[name];
}
