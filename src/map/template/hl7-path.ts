/** A parsed HL7 path such as `OBX.5.1` (segment, field, component, subcomponent; 1-based). */
export interface Hl7Path {
  readonly text: string;
  readonly segment: string;
  readonly field: number;
  readonly component?: number;
  readonly subcomponent?: number;
}

const cache = new Map<string, Hl7Path>();

// Segment ID, then field, component and subcomponent, each a 1-based number.
const HL7_PATH = /^([A-Z][A-Z0-9]{2})\.([1-9]\d*)(?:\.([1-9]\d*))?(?:\.([1-9]\d*))?$/;

/** @returns true when `text` is an HL7 path that {@link parseHl7Path} accepts (checked when mappings load). */
export function isHl7Path(text: unknown): boolean {
  return typeof text === 'string' && HL7_PATH.test(text);
}

/**
 * Parses `SEG.field[.component[.subcomponent]]`. Paths come from schema-checked mapping files, so a bad one is a
 * programming error here; results are cached because templates name the same paths for every segment.
 * @param text - The path.
 * @returns The parsed path.
 */
export function parseHl7Path(text: string): Hl7Path {
  let p = cache.get(text);
  if (!p) {
    const m = HL7_PATH.exec(text);
    if (!m) throw new Error(`invalid HL7 path '${text}'`);
    p = {
      text,
      segment: m[1] as string,
      field: Number(m[2]),
      ...(m[3] ? { component: Number(m[3]) } : {}),
      ...(m[4] ? { subcomponent: Number(m[4]) } : {}),
    };
    cache.set(text, p);
  }
  return p;
}
