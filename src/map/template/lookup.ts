import { ErrorCode } from '../../errors/error-codes.ts';
import { adapterError, IssueType } from '../../errors/outcomes.ts';
import { locationOf, resolveFirstParsed, textAt, type FieldRef } from './field-ref.ts';
import { parseHl7Path } from './hl7-path.ts';
import type { EvalContext } from './map-context.ts';

/** Separator of the parts of a lookup key, as the sets of records are keyed (`uc-msc-registry|month-6`). */
export const KEY_SEPARATOR = '|';

/**
 * Reads `path` (dotted property names, numbers for list items: `researchStudy.identifier.0`) inside a record.
 * @returns The value there, or undefined when the path leads nowhere.
 */
export function pick(record: unknown, path: readonly string[]): unknown {
  let value = record;
  for (const step of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value ?? undefined;
}

function notFound(key: string, description: string, ref: FieldRef): Error {
  return adapterError(ErrorCode.MapInvalidValue, IssueType.CodeInvalid, `'${key}' names no ${description}`, {
    hl7: locationOf(ref),
  });
}

/**
 * Compiles `{ $lookup: <set>, $key: <path or paths> }`: the key is the text of each field, trimmed and joined with
 * `|`; the record found under it in the named set of `mappings.lookups` is the result (`$get` picks a value inside
 * it, as for any value directive). A key field without a value gives nothing (so `$required` and `$default` apply);
 * a key that names no record is an error at the key's last field, which is the most specific, or, when the set is
 * `within` another and the key's first part is not a key of that one, the error that set gives at the first field.
 * @param node - The directive object.
 * @param options - `quiet`: a key that names no record gives nothing instead of an error (for conditions).
 * @returns A function of the evaluation context.
 */
export function compileLookup(
  node: Readonly<Record<string, unknown>>,
  options: { quiet?: boolean } = {},
): (ctx: EvalContext, capture: { first?: FieldRef }) => unknown {
  const name = node.$lookup as string;
  const keyPaths = [node.$key as string | string[]].flat().map((p) => [parseHl7Path(p)]);
  return (ctx, capture) => {
    const refs: FieldRef[] = [];
    for (const paths of keyPaths) {
      const ref = resolveFirstParsed(paths, ctx);
      if (!ref) return undefined;
      refs.push(ref);
    }
    capture.first ??= refs[0];
    const parts = refs.map((r) => textAt(r).trim());
    const lookup = ctx.mappings.lookups.get(name);
    const record = lookup?.records.get(parts.join(KEY_SEPARATOR));
    if (record !== undefined || options.quiet) return record;
    const outer = lookup?.within ? ctx.mappings.lookups.get(lookup.within) : undefined;
    if (outer && parts.length > 1 && !outer.records.has(parts[0] as string)) {
      throw notFound(parts[0] as string, outer.description, refs[0] as FieldRef);
    }
    throw notFound(parts.join(KEY_SEPARATOR), lookup?.description ?? name, refs[refs.length - 1] as FieldRef);
  };
}
