/**
 * Shapes of the CSV layout files in `mappings/csv/` (as checked by `layout-schema.ts`) and of a layout resolved
 * against the mapping set, ready for the CSV mapping stage. A layout says how one kind of spreadsheet export is
 * written (delimiter, quoting, decimal separator, date order, zone) and what its columns mean; nothing about an
 * export is guessed from its content.
 */
import type { CsvDelimiter, CsvFormat } from '../../ingest/csv/csv-types.ts';
import type { Analyte } from '../mapping-types.ts';
import type { LabStudyLink } from './lab-study.ts';
import type { ResolvedStudyLayout } from './study-layout-types.ts';

/** What a lab layout describes. Study layouts (rosters, infusion logs, adverse events) are `StudyLayoutKind`s. */
export const LayoutKind = {
  /** One row per subject and visit, one column per analyte. */
  LabsWide: 'labs-wide',
  /** One row per result: subject, visit, date, test code, value, unit. */
  LabsLong: 'labs-long',
} as const;
/** One of {@link LayoutKind}. */
export type LayoutKind = (typeof LayoutKind)[keyof typeof LayoutKind];

/** Date formats a layout may state; the day/month order is always explicit. */
export const CSV_DATE_FORMATS = ['YYYY-MM-DD', 'DD/MM/YYYY', 'MM/DD/YYYY', 'DD.MM.YYYY', 'YYYYMMDD'] as const;
/** One of {@link CSV_DATE_FORMATS}. */
export type CsvDateFormat = (typeof CSV_DATE_FORMATS)[number];

/** Cell texts that mean "no value" when a layout does not list its own. */
export const DEFAULT_MISSING: readonly string[] = ['', 'NA', 'ND', '-'];

/** How the file is written, below the level of columns: what the reader needs, and the decimal separator. */
export interface LayoutFormat extends CsvFormat {
  delimiter: CsvDelimiter;
  /** `7,2` means 7.2; default false. */
  decimalComma: boolean;
}

/** One analyte column of a wide layout. */
export interface CsvAnalyteColumn {
  /** Header text of the column. */
  column: string;
  /** Analyte id from `mappings/analytes/`. */
  analyte: string;
  /** Unit of every value in the column: UCUM, or an alias from `mappings/units/`. */
  unit: string;
}

/** One row of a long layout's local code table. */
export interface CsvLocalCode {
  /** Code as written in the code column. */
  local: string;
  /** Analyte id from `mappings/analytes/`. */
  analyte: string;
  /** Unit used when a row's unit cell is empty: UCUM, or an alias from `mappings/units/`. */
  unit?: string;
}

/** A CSV layout file, `mappings/csv/<id>.yaml`, after schema defaults are applied. */
export interface CsvLayout {
  /** The file name without `.yaml`, e.g. `registry-labs-wide`. */
  id: string;
  description: string;
  kind: LayoutKind;
  /** Who produces the export; scopes the identifier systems studybridge mints: `${identifierBase}/${source}/…`. */
  source: string;
  format: LayoutFormat;
  /** Explicit, never guessed: dd/mm/yyyy versus mm/dd/yyyy. */
  dateFormat: CsvDateFormat;
  /** Zone for date-times without one (`+07:00`, `Z`); dates stay dates. */
  timezone: string;
  /** Cell texts meaning "no value" (compared trimmed, case-insensitive); default {@link DEFAULT_MISSING}. */
  missing: string[];
  /** The subject column and the identifier system of its values (pseudonymous study subject IDs are normal). */
  subject: { column: string; system: string };
  /** Optional visit/timepoint column; `values` maps the cell text to the protocol visit code (`M6` → `month-6`). */
  visit?: { column: string; values: Record<string, string> };
  /** The specimen collection date (or date-time) column. */
  date: { column: string };
  /**
   * Wide layouts: one column per analyte. Values are converted from `unit` to the analyte's canonical unit by the
   * mapping stage.
   */
  columns?: CsvAnalyteColumn[];
  /**
   * Long layouts: one result per row. The code is looked up like OBX-3: in `codes` first, then as a code of the
   * analyte catalogue (LOINC).
   */
  long?: {
    code: { column: string };
    value: { column: string };
    unit: { column: string };
    codes: CsvLocalCode[];
  };
  /** What to do with columns the layout does not name: `ignore` (default) or `reject` the file. */
  extraColumns: 'ignore' | 'reject';
  /**
   * Id of a study in `mappings/studies/`: the results then belong to that study and to the protocol visit of their
   * row (the layout must have a visit column whose codes are the study's visits).
   */
  study?: string;
}

/** A wide layout's column with its analyte and unit resolved against the mapping set. */
export interface ResolvedColumn {
  /** Header text of the column. */
  readonly column: string;
  /** The analyte from `Mappings.analytes`. */
  readonly analyte: Analyte;
  /** The unit as written in the layout, and its UCUM code (known to convert to the analyte's canonical unit). */
  readonly unit: { readonly original: string; readonly ucum: string };
}

/** A long layout's local code resolved to its analyte; the same shape as the values of `Mappings.localCodes`. */
export interface ResolvedLocalCode {
  analyte: Analyte;
  /** Default unit as written in the layout (resolved through the unit aliases when used). */
  unit?: string;
}

/** What every resolved layout carries. */
interface ResolvedLayoutBase {
  /** The layout as loaded, defaults applied. */
  readonly layout: CsvLayout;
  /** The file as named in problem reports (relative to the layouts directory, or as given). */
  readonly file: string;
  /** Every column the layout names (subject, visit, date, analyte or long columns), for header checks. */
  readonly namedColumns: ReadonlySet<string>;
  /** The study the results belong to, when the layout (or the import) names one. */
  readonly study?: LabStudyLink;
}

/** A wide lab layout, resolved. */
export interface ResolvedWideLayout extends ResolvedLayoutBase {
  readonly kind: typeof LayoutKind.LabsWide;
  /** The analyte columns, in layout order. */
  readonly columns: readonly ResolvedColumn[];
}

/** A long lab layout, resolved. */
export interface ResolvedLongLayout extends ResolvedLayoutBase {
  readonly kind: typeof LayoutKind.LabsLong;
  /** Local code → analyte and default unit; codes not in it are looked up in `Mappings.analytesByCode`. */
  readonly codes: ReadonlyMap<string, ResolvedLocalCode>;
}

/** A layout checked and resolved against the mapping set; narrow on `kind`. */
export type ResolvedLayout = ResolvedWideLayout | ResolvedLongLayout;

/** The loaded layouts by id. */
export type CsvLayouts = ReadonlyMap<string, ResolvedLayout>;

/** A resolved layout of any kind: a lab layout, or a study layout (roster, infusion log, adverse-event log). */
export type AnyResolvedLayout = ResolvedLayout | ResolvedStudyLayout;

/** The loaded layouts of every kind by id. */
export type AnyCsvLayouts = ReadonlyMap<string, AnyResolvedLayout>;

/** @returns Whether a resolved layout is a lab layout (wide or long) rather than a study layout. */
export function isLabLayout(layout: AnyResolvedLayout): layout is ResolvedLayout {
  return layout.kind === LayoutKind.LabsWide || layout.kind === LayoutKind.LabsLong;
}
