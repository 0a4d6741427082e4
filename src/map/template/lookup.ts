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

/**
 * Compiles `{ $lookup: <set>, $key: <path or paths>, $get: <dotted path> }`: the key is the text of each field,
 * trimmed and joined with `|`; the record found under it in the named set of `mappings.lookups` (or, with `$get`,
 * the value at that path in it) is the result. A key field without a value gives nothing (so `$required` and
 * `$default` apply); a key that names no record is an error at the key's last field, which is the most specific.
 * @param node - The directive object.
 * @returns A function of the evaluation context.
 */
export function compileLookup(
  node: Readonly<Record<string, unknown>>,
): (ctx: EvalContext, capture: { first?: FieldRef }) => unknown {
  const name = node.$lookup as string;
  const keyPaths = [node.$key as string | string[]].flat().map((p) => [parseHl7Path(p)]);
  const get = typeof node.$get === 'string' ? node.$get.split('.') : undefined;
  return (ctx, capture) => {
    const refs: FieldRef[] = [];
    for (const paths of keyPaths) {
      const ref = resolveFirstParsed(paths, ctx);
      if (!ref) return undefined;
      refs.push(ref);
    }
    capture.first ??= refs[0];
    const key = refs.map((r) => textAt(r).trim()).join(KEY_SEPARATOR);
    const lookup = ctx.mappings.lookups.get(name);
    const record = lookup?.records.get(key);
    if (record === undefined) {
      throw adapterError(
        ErrorCode.MapInvalidValue,
        IssueType.CodeInvalid,
        `'${key}' names no ${lookup?.description ?? name}`,
        { hl7: locationOf(refs[refs.length - 1] as FieldRef) },
      );
    }
    return get ? pick(record, get) : record;
  };
}
