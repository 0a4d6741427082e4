/**
 * Shapes of the study CSV layouts (randomization rosters, infusion logs, adverse-event logs) in `mappings/csv/`, as
 * checked by `study-layout-schema.ts`, and of such a layout resolved against its study. They share the reading part
 * of a lab layout (format, dates, zone, missing values, subject) and name the study their rows belong to.
 */
import type { ResolvedStudy } from '../study/study-types.ts';
import type {
  AE_OUTCOME,
  AE_SERIOUSNESS,
  AE_SEVERITY,
  INFUSION_STATUS,
  RESEARCH_SUBJECT_STATUS,
} from '../study/study-codes.ts';
import type { CsvLayout } from './layout-types.ts';

/** The study layout kinds. */
export const StudyLayoutKind = {
  /** Randomization roster: one row per subject → ResearchSubject. */
  Roster: 'roster',
  /** Infusion log: one row per infusion event → MedicationAdministration (and the Medication of its lot). */
  InfusionLog: 'infusion-log',
  /** Adverse-event log: one row per event → AdverseEvent. */
  AdverseEvents: 'adverse-events',
} as const;
/** One of {@link StudyLayoutKind}. */
export type StudyLayoutKind = (typeof StudyLayoutKind)[keyof typeof StudyLayoutKind];

/** A column of the file. */
export interface ColumnRef {
  column: string;
}

/** A column whose texts the layout maps to codes (compared after trimming). */
export interface CodedColumn<C extends string> {
  column: string;
  values: Record<string, C>;
}

/** A column naming an arm: the texts map to arm names of the study, or the cells are arm names themselves. */
export interface ArmColumn {
  column: string;
  values?: Record<string, string>;
}

/** What a roster layout says about its columns. */
export interface RosterSection {
  /** Subject status → R4 research-subject-status. */
  status: CodedColumn<(typeof RESEARCH_SUBJECT_STATUS)[number]>;
  /** The arm the subject was randomized to. */
  assignedArm: ArmColumn;
  /** The arm the subject was treated in, when the roster has it. */
  actualArm?: ArmColumn;
  /** Start of the subject's participation (enrolment or randomisation date): `period.start`. */
  start?: ColumnRef;
  /** End of participation (completion or withdrawal date): `period.end`. */
  end?: ColumnRef;
}

/** The dose of an infusion: a total cell count, or a per-kg prescription times body weight. */
export type InfusionDose =
  /** Column of the total given, in millions of cells. */
  | { total: ColumnRef }
  /** Columns of the prescription in millions of cells per kg, and of the body weight in kg. */
  | { perKg: ColumnRef; weight: ColumnRef };

/** What an infusion-log layout says about its columns. */
export interface InfusionSection {
  /** Number of the infusion in the subject's series (1, 2, 3); without it, infusions are told apart by start date. */
  doseNumber?: ColumnRef;
  /** Log status → R4 medication-admin-status. */
  status: CodedColumn<(typeof INFUSION_STATUS)[number]>;
  /** Why an infusion was not given (required on `not-done` rows) or was stopped. */
  reason?: ColumnRef;
  /** Start date-time (the date of a not-done infusion). */
  start: ColumnRef;
  end?: ColumnRef;
  /** Which product the row gave, for unblinded studies with several products. */
  product?: CodedColumn<string>;
  lot?: ColumnRef;
  expiry?: ColumnRef;
  dose: InfusionDose;
}

/** A local adverse-event term and its code. */
export interface EventCode {
  local: string;
  system: string;
  code: string;
  display: string;
}

/** What an adverse-event layout says about its columns. */
export interface AdverseEventSection {
  /** The log's number of the event within the subject; without it, events are told apart by date and term. */
  number?: ColumnRef;
  /** The event term, looked up in `codes`. */
  event: { column: string; codes: EventCode[] };
  /** When the event started: `AdverseEvent.date`. */
  date: ColumnRef;
  detected?: ColumnRef;
  seriousness: CodedColumn<keyof typeof AE_SERIOUSNESS.codes>;
  /** At least one of `severity` and `grade`; a grade alone implies the severity. */
  severity?: CodedColumn<keyof typeof AE_SEVERITY.codes>;
  /** CTCAE grade 1-5. */
  grade?: ColumnRef;
  outcome?: CodedColumn<keyof typeof AE_OUTCOME.codes>;
  /**
   * The infusion the event followed: the cell is its dose number, or its date, as the infusion log of `source`
   * (default: this layout's source) identifies infusions.
   */
  suspect?: { column: string; by: 'dose-number' | 'date'; source?: string };
}

/** A study layout file, after schema defaults are applied. */
export interface StudyCsvLayout extends Pick<
  CsvLayout,
  'id' | 'description' | 'source' | 'format' | 'dateFormat' | 'timezone' | 'missing' | 'subject' | 'extraColumns'
> {
  kind: StudyLayoutKind;
  /** Id of the study definition in `mappings/studies/`. */
  study: string;
  roster?: RosterSection;
  infusion?: InfusionSection;
  adverseEvent?: AdverseEventSection;
}

/** A study layout checked and resolved against its study. */
export interface ResolvedStudyLayout {
  readonly kind: StudyLayoutKind;
  readonly layout: StudyCsvLayout;
  /** The file as named in problem reports. */
  readonly file: string;
  /** Every column the layout names, for header checks. */
  readonly namedColumns: ReadonlySet<string>;
  readonly study: ResolvedStudy;
}
