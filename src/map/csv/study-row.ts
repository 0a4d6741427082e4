import { headerColumns } from './layout-common.ts';
import type { Resource } from '@medplum/fhirtypes';
import type { Mappings, Settings } from '../mapping-types.ts';
import type { IdentifierScope } from '../study/study-identifiers.ts';
import type { CellProblem } from './map-row.ts';
import { parseCellDate, parseCellNumber } from './parse-cell.ts';
import type { RowWithShared } from './shared-resource.ts';
import type { ArmColumn, CodedColumn, ColumnRef, ResolvedStudyLayout } from './study-layout-types.ts';

/** A study layout bound to one file's header. */
export interface BoundStudyLayout {
  readonly resolved: ResolvedStudyLayout;
  readonly settings: Settings;
  /** Column name → index in a record. */
  readonly at: ReadonlyMap<string, number>;
  /** Missing-value markers, upper-cased. */
  readonly missing: ReadonlySet<string>;
  /** Where the identifiers of the layout's resources are minted. */
  readonly scope: IdentifierScope;
}

/** A mapped study row, or every problem of the row. */
export type StudyRowResult = { ok: true; row: RowWithShared } | { ok: false; problems: CellProblem[] };

/**
 * Binds a study layout to a file's header, with the rules of the lab layouts: every column the layout names must be
 * there, and with `extraColumns: reject` no other column may be.
 * @returns The bound layout, or every header problem at once.
 */
export function bindStudyLayout(
  resolved: ResolvedStudyLayout,
  mappings: Mappings,
  header: readonly string[],
): { ok: true; bound: BoundStudyLayout } | { ok: false; problems: CellProblem[] } {
  const checked = headerColumns(resolved.namedColumns, resolved.layout.extraColumns, header);
  if (!checked.ok) return checked;
  const { at } = checked;
  const { settings } = mappings;
  return {
    ok: true,
    bound: {
      resolved,
      settings,
      at,
      missing: new Set(resolved.layout.missing.map((m) => m.trim().toUpperCase())),
      scope: {
        identifierBase: settings.identifierBase,
        source: resolved.layout.source,
        study: resolved.study.definition.id,
      },
    },
  };
}

/** Reads the cells of one row; each reader adds its problem to `problems` and returns undefined when it has one. */
export interface RowReader {
  readonly problems: CellProblem[];
  /** The cell's text, trimmed; undefined when missing (blank or a missing-value marker). */
  text(ref: ColumnRef | undefined): string | undefined;
  /** The cell's text; a problem `no <what>` when missing. */
  required(ref: ColumnRef, what: string): string | undefined;
  /** The code the layout maps the cell to; a problem when missing (if `required`) or not in the layout's values. */
  coded<C extends string>(ref: CodedColumn<C> | undefined, what: string, required: boolean): C | undefined;
  /** The arm name the cell gives: through the layout's values, or the cell itself, which must be an arm. */
  arm(ref: ArmColumn | undefined, armNames: ReadonlySet<string>): string | undefined;
  /** A date or date-time in the layout's format and zone. */
  date(ref: ColumnRef | undefined, what: string, required: boolean): string | undefined;
  /** A positive number (no comparator), with its text as written. */
  positive(ref: ColumnRef | undefined, what: string, required: boolean): { value: number; text: string } | undefined;
  /** A whole number from `min` to `max`. */
  integer(ref: ColumnRef | undefined, what: string, required: boolean, min: number, max: number): number | undefined;
}

/**
 * @param bound - The layout bound to the header.
 * @param fields - The record's cells.
 * @returns A reader of the row's cells that collects every problem.
 */
export function rowReader(bound: BoundStudyLayout, fields: readonly string[]): RowReader {
  const { layout } = bound.resolved;
  const problems: CellProblem[] = [];
  const raw = (ref: ColumnRef): string => (fields[bound.at.get(ref.column.trim()) ?? -1] ?? '').trim();
  const text = (ref: ColumnRef | undefined): string | undefined => {
    if (!ref) return undefined;
    const t = raw(ref);
    return bound.missing.has(t.toUpperCase()) ? undefined : t;
  };
  const fail = (ref: ColumnRef, reason: string): undefined => {
    problems.push({ column: ref.column, reason });
    return undefined;
  };
  const present = (ref: ColumnRef | undefined, what: string, required: boolean): string | undefined => {
    if (!ref) return undefined;
    const t = text(ref);
    return t === undefined && required ? fail(ref, `no ${what}`) : t;
  };
  return {
    problems,
    text,
    required: (ref, what) => present(ref, what, true),
    coded(ref, what, required) {
      const t = present(ref, what, required);
      if (!ref || t === undefined) return undefined;
      return Object.hasOwn(ref.values, t)
        ? ref.values[t]
        : fail(ref, `the ${what} is not one of the layout's values (${Object.keys(ref.values).join(', ')})`);
    },
    arm(ref, armNames) {
      const t = present(ref, 'arm', false);
      if (!ref || t === undefined) return undefined;
      if (ref.values) {
        return Object.hasOwn(ref.values, t)
          ? ref.values[t]
          : fail(ref, `the arm is not one of the layout's values (${Object.keys(ref.values).join(', ')})`);
      }
      if (armNames.has(t)) return t;
      return fail(ref, `the arm is not an arm of study '${bound.scope.study}' (${[...armNames].join(', ')})`);
    },
    date(ref, what, required) {
      const t = present(ref, what, required);
      if (!ref || t === undefined) return undefined;
      const d = parseCellDate(t, layout.dateFormat, layout.timezone);
      return d.ok ? d.value : fail(ref, d.reason);
    },
    positive(ref, what, required) {
      const t = present(ref, what, required);
      if (!ref || t === undefined) return undefined;
      const n = parseCellNumber(t, layout.format.decimalComma);
      if (!n.ok) return fail(ref, n.reason);
      if (n.comparator || !(n.num.value > 0)) return fail(ref, `${what} must be a number above 0`);
      return { value: n.num.value, text: String(n.num.value) };
    },
    integer(ref, what, required, min, max) {
      const t = present(ref, what, required);
      if (!ref || t === undefined) return undefined;
      const n = /^\d+$/.test(t) ? Number(t) : NaN;
      return n >= min && n <= max ? n : fail(ref, `${what} must be a whole number from ${min} to ${max}`);
    },
  };
}

/**
 * @returns Whether an interval is the wrong way round: compared on the date when either end has no time, else on the
 *   instant (both carry the layout's zone).
 */
export function endsBeforeStart(start: string, end: string): boolean {
  if (start.length <= 10 || end.length <= 10) return end.slice(0, 10) < start.slice(0, 10);
  return Date.parse(end) < Date.parse(start);
}

/** @returns The profile URL `${canonicalBase}/StructureDefinition/<id>`, as `meta`. */
export function profileMeta(settings: Settings, id: string): NonNullable<Resource['meta']> {
  return { profile: [`${settings.canonicalBase}/StructureDefinition/${id}`] };
}
