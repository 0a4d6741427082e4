import { headerColumns } from './layout-common.ts';
import type { Coding, Extension, Observation, Resource } from '@medplum/fhirtypes';
import { canonicalQuantity } from '../canonical-quantity.ts';
import type { Analyte, Mappings } from '../mapping-types.ts';
import { resolveUnit } from '../units.ts';
import { visitEncounter } from './lab-study.ts';
import { LayoutKind, type ResolvedLayout } from './layout-types.ts';
import type { RowWithShared } from './shared-resource.ts';
import { parseCellDate, parseCellNumber } from './parse-cell.ts';

const LOINC = 'http://loinc.org';
const LAB_CATEGORY: Coding = {
  system: 'http://terminology.hl7.org/CodeSystem/observation-category',
  code: 'laboratory',
  display: 'Laboratory',
};

/** A layout bound to one file's header: where each named column is. */
export interface BoundLayout {
  readonly resolved: ResolvedLayout;
  readonly settings: Mappings['settings'];
  readonly analytesByCode: Mappings['analytesByCode'];
  readonly unitAliases: Mappings['unitAliases'];
  /** Column name → index in a record. */
  readonly at: ReadonlyMap<string, number>;
  /** Missing-value markers, upper-cased. */
  readonly missing: ReadonlySet<string>;
  /** Wide layouts: the index in a record of each analyte column, in layout order. */
  readonly columnIndex: readonly number[];
  /** Length of the longest marker: longer cells are never upper-cased to be looked up. */
  readonly longestMissing: number;
  /** `${identifierBase}/${source}/observation`. */
  readonly observationSystem: string;
  /** System of the local codes of a long layout. */
  readonly localCodeSystem: string;
  /** Parts every Observation of the layout shares, frozen (see {@link sharedParts}). */
  readonly shared: SharedParts;
}

/**
 * Parts of an Observation that are the same for every row: built once per layout and analyte, frozen, and shared
 * between resources. Bundles are serialised before anything could change them; freezing makes a mutation fail
 * loudly instead of changing every Observation at once.
 */
interface SharedParts {
  readonly meta: Observation['meta'];
  readonly category: Observation['category'];
  /** By `analyte id|local code`. */
  readonly codes: Map<string, NonNullable<Observation['code']>>;
}

function codeOf(shared: SharedParts, analyte: Analyte, local: Coding | undefined): NonNullable<Observation['code']> {
  const key = `${analyte.id}|${local?.code ?? ''}`;
  let code = shared.codes.get(key);
  if (!code) {
    code = deepFreezeJson({
      coding: [{ system: analyte.system, code: analyte.code, display: analyte.display }, ...(local ? [local] : [])],
    });
    shared.codes.set(key, code);
  }
  return code;
}

function deepFreezeJson<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreezeJson(v);
    Object.freeze(value);
  }
  return value;
}

/** A problem with a header or a cell: the column it is in (when one is to blame) and why. */
export interface CellProblem {
  column?: string;
  reason: string;
}

/**
 * One resource a row gives: its identity key (for labs: subject, visit or date, and analyte), the resource, and the
 * element that must point to the subject's Patient (the bundle stage fills it in, as only it knows the Patient's
 * entry).
 */
export interface RowResult<R extends Resource = Resource> {
  key: string;
  resource: R;
  subjectElement: 'subject' | 'individual';
  /**
   * Resources with the same shape differ only in values the cell parsers have already checked (dates, numbers,
   * identifier texts), so validating one of a shape validates them all. Absent: validate each.
   */
  shape?: string;
}

/** A mapped row: the subject's identifier, the row's identity and its resources. */
export interface MappedRow<R extends Resource = Resource> {
  /** The subject's identifier value (pseudonymous study subject ID). */
  subject: string;
  /** The identifier system of `subject`, from the layout. */
  subjectSystem: string;
  /**
   * What makes the row unique in a file (wide labs: subject and visit or date; long labs: also the analyte). Two
   * rows with the same key are duplicates, or conflicts when their values differ.
   */
  rowKey: string;
  /** None when every value cell was missing. */
  results: RowResult<R>[];
}

/**
 * Binds a layout to a file's header: every column the layout names must be there, and with `extraColumns: reject`
 * no other column may be.
 * @returns The bound layout, or every header problem at once.
 */
export function bindLayout(
  resolved: ResolvedLayout,
  mappings: Mappings,
  header: readonly string[],
): { ok: true; bound: BoundLayout } | { ok: false; problems: CellProblem[] } {
  const checked = headerColumns(resolved.namedColumns, resolved.layout.extraColumns, header);
  if (!checked.ok) return checked;
  const { at } = checked;
  const { settings } = mappings;
  return {
    ok: true,
    bound: {
      resolved,
      settings,
      analytesByCode: mappings.analytesByCode,
      unitAliases: mappings.unitAliases,
      at,
      missing: new Set(resolved.layout.missing.map((m) => m.trim().toUpperCase())),
      columnIndex: resolved.kind === LayoutKind.LabsWide ? resolved.columns.map((c) => at.get(c.column) ?? -1) : [],
      longestMissing: Math.max(0, ...resolved.layout.missing.map((m) => m.trim().length)),
      observationSystem: `${settings.identifierBase}/${resolved.layout.source}/observation`,
      localCodeSystem: `${settings.canonicalBase}/CodeSystem/local/${resolved.layout.source}`,
      shared: {
        // Results tied to a study also claim the study lab profile (study extension, protocol-visit Encounter).
        meta: deepFreezeJson({
          profile: [
            `${settings.canonicalBase}/StructureDefinition/studybridge-lab-observation`,
            ...(resolved.study
              ? [`${settings.canonicalBase}/StructureDefinition/studybridge-study-lab-observation`]
              : []),
          ],
        }),
        category: deepFreezeJson([{ coding: [LAB_CATEGORY] }]),
        codes: new Map(),
      },
    },
  };
}

/**
 * Maps one record to Observations, the same FHIR model as an OBX: LOINC code from the analyte catalogue, value in
 * the analyte's canonical UCUM unit (the value as sent kept in `original-quantity`), category laboratory, the
 * lab-observation profile. Missing values (blank, `NA`, …) give no Observation. The identity key is subject, visit
 * (or the date when the layout has no visit) and analyte, so a re-import changes nothing and a corrected file
 * updates in place.
 * @param bound - The layout bound to the header.
 * @param fields - The record's cells.
 * @returns The mapped row, or every problem of the row at once.
 */
export function mapCsvRow(
  bound: BoundLayout,
  fields: readonly string[],
): { ok: true; row: RowWithShared<Observation> } | { ok: false; problems: CellProblem[] } {
  const { layout } = bound.resolved;
  const link = bound.resolved.study;
  const problems: CellProblem[] = [];
  const cell = (column: string): string => (fields[bound.at.get(column) ?? -1] ?? '').trim();
  const cellAt = (i: number): string => (fields[i] ?? '').trim();
  const isMissing = (text: string): boolean =>
    text.length <= bound.longestMissing && bound.missing.has(text.toUpperCase());

  const subject = cell(layout.subject.column);
  if (isMissing(subject)) problems.push({ column: layout.subject.column, reason: 'no subject ID' });
  const dateText = cell(layout.date.column);
  let date: string | undefined;
  if (isMissing(dateText)) problems.push({ column: layout.date.column, reason: 'no date' });
  else {
    const d = parseCellDate(dateText, layout.dateFormat, layout.timezone);
    if (d.ok) date = d.value;
    else problems.push({ column: layout.date.column, reason: d.reason });
  }
  let visit: string | undefined;
  if (layout.visit) {
    const text = cell(layout.visit.column);
    visit = layout.visit.values[text];
    if (!visit) {
      problems.push({
        column: layout.visit.column,
        // Cell texts are never quoted in a reason: a shifted column could put anything there.
        reason: isMissing(text)
          ? 'no visit'
          : `the visit is not one of the layout's visits (${Object.keys(layout.visit.values).join(', ')})`,
      });
    }
  }

  const values: { column: string; analyte: Analyte; text: string; unit: string; local?: Coding }[] = [];
  // Long layouts: the row's analyte, part of its identity even when its value is missing.
  let longAnalyte: string | undefined;
  if (bound.resolved.kind === LayoutKind.LabsWide) {
    const { columns } = bound.resolved;
    for (let i = 0; i < columns.length; i++) {
      const c = columns[i]!;
      values.push({ column: c.column, analyte: c.analyte, text: cellAt(bound.columnIndex[i]!), unit: c.unit.original });
    }
  } else {
    const long = layout.long!;
    const code = cell(long.code.column);
    const text = cell(long.value.column);
    const local = bound.resolved.codes.get(code);
    const analyte = local?.analyte ?? bound.analytesByCode.get(`${LOINC}|${code}`);
    longAnalyte = analyte?.id ?? code;
    if (!analyte)
      problems.push({
        column: long.code.column,
        reason: "the test code is neither in the layout's codes nor a known LOINC code",
      });
    else {
      const sentUnit = cell(long.unit.column);
      const unit = isMissing(sentUnit) ? (local?.unit ?? '') : sentUnit;
      if (!unit && !isMissing(text))
        problems.push({ column: long.unit.column, reason: 'no unit, and none is configured for the code' });
      else {
        values.push({
          column: long.value.column,
          analyte,
          text,
          unit,
          ...(local ? { local: { system: bound.localCodeSystem, code } } : {}),
        });
      }
    }
  }

  const results: RowResult<Observation>[] = [];
  const columnOf = new Map<string, string>();
  // With a study: every result points to the study and to its protocol visit's Encounter (shared by the rows of it).
  const visitLink = link && visit && subject && !isMissing(subject) ? visitEncounter(link, subject, visit) : undefined;
  for (const v of values) {
    if (isMissing(v.text)) continue;
    const n = parseCellNumber(v.text, layout.format.decimalComma);
    if (!n.ok) {
      problems.push({ column: v.column, reason: n.reason });
      continue;
    }
    const sent = resolveUnit(v.unit, bound.unitAliases);
    const q = canonicalQuantity(n.num, { ...sent, location: v.column }, v.analyte, bound.settings.canonicalBase);
    if (!q.ok) {
      problems.push({ column: v.column, reason: q.reason });
      continue;
    }
    if (!date || !subject || isMissing(subject) || (layout.visit && !visit)) continue;
    const key = `${subject}/${visit ?? date}/${v.analyte.id}`;
    const first = columnOf.get(key);
    if (first !== undefined) {
      problems.push({
        column: v.column,
        reason: `column '${first}' already gives analyte ${v.analyte.id} in this row`,
      });
      continue;
    }
    columnOf.set(key, v.column);
    results.push({
      key,
      subjectElement: 'subject',
      shape: `lab|${v.analyte.id}|${v.local?.code ?? ''}|${sent.ucum ?? v.unit}|${n.comparator ?? ''}|${date.length}`,
      resource: {
        resourceType: 'Observation',
        meta: bound.shared.meta,
        ...(link ? { extension: link.extension as Extension[] } : {}),
        identifier: [{ system: bound.observationSystem, value: key }],
        status: 'final',
        category: bound.shared.category,
        code: codeOf(bound.shared, v.analyte, v.local),
        ...(visitLink ? { encounter: visitLink.reference } : {}),
        effectiveDateTime: date,
        valueQuantity: n.comparator ? { ...q.quantity, comparator: n.comparator } : q.quantity,
      },
    });
  }
  if (problems.length) return { ok: false, problems };
  const rowKey =
    longAnalyte === undefined ? `${subject}/${visit ?? date}` : `${subject}/${visit ?? date}/${longAnalyte}`;
  const row: RowWithShared<Observation> = { subject, subjectSystem: layout.subject.system, rowKey, results };
  if (link && visitLink && results.length) {
    row.sharedResources = [{ url: link.study.url, resource: link.study.researchStudy }, visitLink.shared];
  }
  return { ok: true, row };
}
