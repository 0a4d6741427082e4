import { createHash } from 'node:crypto';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { buildCsvBundle, entriesNeeded, type CsvBundleContext } from '../bundle/csv-bundle.ts';
import type { AdapterError } from '../errors/adapter-error.ts';
import { ErrorCode } from '../errors/error-codes.ts';
import { adapterErrorFromIssues, isErrorIssue, issue, IssueType, normalizeError, outcome } from '../errors/outcomes.ts';
import { readCsv, type CsvFormat } from '../ingest/csv/index.ts';
import { isLabLayout, type AnyResolvedLayout } from '../map/csv/layout-types.ts';
import { bindLayout, mapCsvRow, type BoundLayout, type CellProblem } from '../map/csv/map-row.ts';
import { mapStudyRow, studyRowIdentity } from '../map/csv/map-study-row.ts';
import type { RowWithShared } from '../map/csv/shared-resource.ts';
import { bindStudyLayout, type BoundStudyLayout } from '../map/csv/study-row.ts';
import type { Mappings } from '../map/mapping-types.ts';
import type { ResourceValidator } from '../validate/types.ts';
import type { ConvertedMessage } from './convert-types.ts';
import { RowKeyIndex } from './row-keys.ts';
import { SharedResourceIndex } from './shared-index.ts';

/** Column an errors CSV adds after the original columns; layouts ignore it, so a fixed errors file re-imports. */
export const ERROR_COLUMN = 'import_error';

/** Default most entries per transaction Bundle (Patients, row resources and the Provenance). */
export const DEFAULT_MAX_ENTRIES = 500;

/** What a CSV conversion needs, loaded once. */
export interface CsvConvertDeps {
  mappings: Mappings;
  /** Omit to skip validation entirely (benchmarks of the bare pipeline). */
  validator?: ResourceValidator;
}

/** Per-call options of a CSV conversion. */
export interface CsvConvertOptions {
  /** When the file was received (ISO instant): Bundle.timestamp, Provenance.recorded. Default now. */
  receivedAt?: string;
  /** Validate every produced resource. Default true. */
  validate?: boolean;
  /**
   * Most entries per Bundle. Default {@link DEFAULT_MAX_ENTRIES}. A row is never split between Bundles (it is
   * imported whole or not at all), so a row that alone needs more entries gets a Bundle of its own that exceeds it.
   */
  maxEntries?: number;
  /**
   * Added to every row's line number: a stored row replayed on its own (line 2 of its header and itself) is then
   * reported at the line it had in the file it came from. Default 0.
   */
  lineOffset?: number;
  /** Refuse the whole file (throw `csv.invalid-row` or `csv.duplicate-row`) at the first rejected row. */
  strict?: boolean;
}

/**
 * What a CSV conversion yields. Rejected rows and duplicates are yielded as they are read; a Bundle when it is full
 * or the file ends, so it may come after rejections of rows below its own.
 */
export type CsvEvent =
  /** A transaction Bundle of accepted rows; `unit.text` is the header and those rows, enough to replay them. */
  | { kind: 'bundle'; unit: ConvertedMessage; rows: number; firstLine: number; lastLine: number }
  /** A row that was not imported; `unit.text` is the header and the row. */
  | { kind: 'rejected'; unit: ConvertedMessage; line: number; raw: string }
  /** A row repeated exactly (same identity, same values): skipped. */
  | { kind: 'duplicate'; line: number; sameAs: number };

/** Counts of one conversion, returned when the file is done. */
export interface CsvSummary {
  /** Rows read (records and unreadable rows, not the header). */
  rowsRead: number;
  /** Rows whose resources are in a Bundle. */
  rowsImported: number;
  rowsRejected: number;
  /** Exact repeats of an earlier row, skipped. */
  rowsDuplicate: number;
  /** Rows whose value cells were all missing: nothing to import. */
  rowsWithoutValues: number;
  bundles: number;
  /** Resources in the Bundles, by type. */
  resources: Record<string, number>;
  /** Line of the last row read. */
  lastLine: number;
}

/** @returns The counts of a file with no row read yet. */
export function emptyCsvSummary(): CsvSummary {
  return {
    rowsRead: 0,
    rowsImported: 0,
    rowsRejected: 0,
    rowsDuplicate: 0,
    rowsWithoutValues: 0,
    bundles: 0,
    resources: {},
    lastLine: 0,
  };
}

interface Pending {
  rows: RowWithShared[];
  raws: string[];
  subjects: Set<string>;
  /** Conditional URLs of the shared resources of the rows. */
  shared: Set<string>;
  resources: number;
  firstLine: number;
  lastLine: number;
  warnings: OperationOutcomeIssue[];
}

const emptyPending = (): Pending => ({
  rows: [],
  raws: [],
  subjects: new Set(),
  shared: new Set(),
  resources: 0,
  firstLine: 0,
  lastLine: 0,
  warnings: [],
});

/** Placeholder subject for validating a row's resources before the bundle stage points them at their Patient. */
const VALIDATION_SUBJECT = { reference: 'urn:uuid:00000000-0000-4000-8000-000000000000' };

/**
 * Converts a CSV export with its layout into transaction Bundles, streaming: rows are read, mapped and validated
 * one by one and yielded in Bundles of at most `maxEntries` entries, so memory does not grow with the file (beyond
 * one small index entry per row for duplicate detection). A bad row never stops the file: it is yielded as
 * `rejected` with every problem of the row, its line and columns. An exact repeat of an earlier row is skipped;
 * a row with the identity of an earlier one but other values is rejected, as neither can be chosen silently.
 *
 * Lab layouts map rows to Observations; study layouts (roster, infusion log, adverse-event log) to the study
 * resources of their kind, with the resources rows share (ResearchStudy, Medication). A row whose shared resource
 * differs from the one an earlier row of the file gave (one lot, two expiry dates) is rejected.
 *
 * @param input - The file's bytes (or text already decoded).
 * @param layout - The resolved layout.
 * @param deps - Mappings and validator.
 * @param options - Time, validation, Bundle size, strictness.
 * @returns The events; the summary when done.
 * @throws AdapterError for a file that cannot be imported at all (see `readCsv`, plus `csv.header-mismatch`), and
 *   in strict mode at the first rejected row. Events yielded before a throw belong to a file that was refused.
 */
export async function* convertCsv(
  input: AsyncIterable<Uint8Array | string>,
  layout: AnyResolvedLayout,
  deps: CsvConvertDeps,
  options: CsvConvertOptions = {},
): AsyncGenerator<CsvEvent, CsvSummary> {
  const receivedAt = options.receivedAt ?? new Date().toISOString();
  const validator = options.validate === false ? undefined : deps.validator;
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const lineOffset = options.lineOffset ?? 0;
  const { settings } = deps.mappings;
  const ctx: CsvBundleContext = {
    layoutId: layout.layout.id,
    source: layout.layout.source,
    identifierBase: settings.identifierBase,
    canonicalBase: settings.canonicalBase,
    receivedAt,
  };
  const summary = emptyCsvSummary();
  const seen = new RowKeyIndex();
  const validatedShapes = new Map<string, OperationOutcomeIssue[]>();
  let bound: BoundLayout | undefined;
  let studyBound: BoundStudyLayout | undefined;
  const sharedSeen = new SharedResourceIndex();
  let headerText = '';
  let errorColumn = -1;
  let namedIndexes: number[] = [];
  let index = 0;
  let pending = emptyPending();

  const flush = (): CsvEvent | undefined => {
    if (pending.rows.length === 0) return undefined;
    const digest = digestOf(pending.raws);
    const bundle = buildCsvBundle({ rows: pending.rows, digest }, ctx);
    for (const e of bundle.entry ?? []) {
      const type = e.resource?.resourceType ?? 'unknown';
      summary.resources[type] = (summary.resources[type] ?? 0) + 1;
    }
    summary.bundles++;
    summary.rowsImported += pending.rows.length;
    const issues = pending.warnings.length
      ? pending.warnings
      : [issue('information', IssueType.Informational, 'converted')];
    const event: CsvEvent = {
      kind: 'bundle',
      unit: {
        index: index++,
        controlId: digest.slice(0, 16),
        ok: true,
        bundle,
        outcome: outcome(issues),
        text: `${headerText}\n${pending.raws.join('\n')}`,
      },
      rows: pending.rows.length,
      firstLine: pending.firstLine,
      lastLine: pending.lastLine,
    };
    pending = emptyPending();
    return event;
  };

  const reject = (line: number, raw: string, code: ErrorCode, issues: OperationOutcomeIssue[]): CsvEvent => {
    summary.rowsRejected++;
    const error = adapterErrorFromIssues(code, issues);
    if (options.strict) throw error;
    return {
      kind: 'rejected',
      unit: {
        index: index++,
        controlId: `line-${line}`,
        ok: false,
        outcome: error.outcome,
        error,
        text: `${headerText}\n${raw}`,
      },
      line,
      raw,
    };
  };

  for await (const item of readCsv(input, layout.layout.format as CsvFormat)) {
    if (item.kind === 'header') {
      errorColumn = item.names.indexOf(ERROR_COLUMN);
      const names = errorColumn < 0 ? item.names : item.names.filter((_, i) => i !== errorColumn);
      const b = isLabLayout(layout)
        ? bindLayout(layout, deps.mappings, names)
        : bindStudyLayout(layout, deps.mappings, names);
      if (!b.ok) {
        throw adapterErrorFromIssues(
          ErrorCode.CsvHeaderMismatch,
          b.problems.map((p) => issue('error', IssueType.Structure, p.reason, { csv: place(item.line, p.column) })),
        );
      }
      if ('scope' in b.bound) studyBound = b.bound;
      else bound = b.bound;
      namedIndexes = [...layout.namedColumns].map((n) => b.bound.at.get(n) ?? -1);
      headerText = item.names
        .filter((_, i) => i !== errorColumn)
        .map((n) => quoteField(n, layout.layout.format.delimiter, layout.layout.format.quote))
        .join(layout.layout.format.delimiter);
      continue;
    }
    summary.rowsRead++;
    const line = item.line + lineOffset;
    summary.lastLine = line;
    if (item.kind === 'problem') {
      // A re-imported errors file: the old reason is dropped here too, whenever the row could be split into fields.
      const text =
        errorColumn >= 0 && item.fields && item.fields.length > errorColumn
          ? rawWithout(item.fields, errorColumn, layout)
          : item.raw;
      yield reject(line, text, ErrorCode.CsvInvalidRow, [
        issue('error', IssueType.Structure, item.message, { csv: place(line) }),
      ]);
      continue;
    }
    const fields = errorColumn < 0 ? item.fields : item.fields.filter((_, i) => i !== errorColumn);
    const raw = errorColumn < 0 ? item.raw : rawWithout(item.fields, errorColumn, layout);
    const mapped = studyBound ? mapStudyRow(studyBound, fields) : mapCsvRow(bound!, fields);
    if (!mapped.ok) {
      yield reject(line, raw, ErrorCode.CsvInvalidRow, rowIssues(line, mapped.problems));
      continue;
    }
    const row: RowWithShared = mapped.row;
    // Validated before it counts as seen: a row that is not imported is never the "earlier line" of a duplicate.
    let warnings: OperationOutcomeIssue[] = [];
    if (validator) {
      const found = validateRow(row, validator, line, validatedShapes);
      if (found.some(isErrorIssue)) {
        yield reject(line, raw, ErrorCode.ValidateInvalid, found.filter(isErrorIssue));
        continue;
      }
      warnings = found;
    }
    // Only the columns the layout reads count: the same results with another site or comment are the same row.
    const earlier = seen.see(row.rowKey, line, valuesOf(fields, namedIndexes));
    if (earlier?.same) {
      summary.rowsDuplicate++;
      yield { kind: 'duplicate', line: line, sameAs: earlier.line };
      continue;
    }
    if (earlier) {
      const same = isLabLayout(layout)
        ? `same subject and ${layout.layout.visit ? 'visit' : 'date'}${layout.kind === 'labs-long' ? ' and test' : ''}`
        : studyRowIdentity(layout.kind);
      yield reject(line, raw, ErrorCode.CsvDuplicateRow, [
        issue(
          'error',
          IssueType.Duplicate,
          `${same} as line ${earlier.line}, with different values: line ${earlier.line} is kept and this row is not imported; correct the file and import it again`,
          { csv: place(line) },
        ),
      ]);
      continue;
    }
    const conflict = sharedSeen.conflict(row, line);
    if (conflict) {
      yield reject(line, raw, ErrorCode.CsvInvalidRow, [
        issue('error', IssueType.Value, conflict, { csv: place(line) }),
      ]);
      continue;
    }
    if (row.results.length === 0) {
      summary.rowsWithoutValues++;
      continue;
    }
    const newSubject = pending.subjects.has(row.subject) ? 0 : 1;
    const newShared = row.sharedResources?.filter((r) => !pending.shared.has(r.url)).length ?? 0;
    if (
      pending.rows.length > 0 &&
      entriesNeeded(
        pending.subjects.size + newSubject,
        pending.resources + row.results.length,
        pending.shared.size + newShared,
      ) > maxEntries
    ) {
      const event = flush();
      if (event) yield event;
    }
    if (pending.rows.length === 0) pending.firstLine = line;
    pending.rows.push(row);
    pending.warnings.push(...warnings);
    pending.raws.push(raw);
    pending.subjects.add(row.subject);
    for (const r of row.sharedResources ?? []) pending.shared.add(r.url);
    pending.resources += row.results.length;
    pending.lastLine = line;
  }
  if (!bound && !studyBound) {
    throw adapterErrorFromIssues(ErrorCode.CsvEmpty, [issue('error', IssueType.Structure, 'no header')]);
  }
  const last = flush();
  if (last) yield last;
  return summary;
}

/**
 * Converts a whole CSV file held in memory, for the service, replay and conformance: one result per Bundle and per
 * rejected row, in file order. A file that cannot be imported at all gives a single failed result holding the
 * whole file, and no Bundle (nothing of a refused file is imported).
 * @returns The results and, when the file was read, its summary.
 */
export async function convertCsvAll(
  input: Uint8Array | string,
  layout: AnyResolvedLayout,
  deps: CsvConvertDeps,
  options: CsvConvertOptions = {},
): Promise<{ results: ConvertedMessage[]; summary?: CsvSummary; error?: AdapterError }> {
  const results: ConvertedMessage[] = [];
  const events = convertCsv(once(input), layout, deps, options);
  try {
    for (;;) {
      const next = await events.next();
      if (next.done) return { results, summary: next.value };
      if (next.value.kind !== 'duplicate') results.push(next.value.unit);
    }
  } catch (err) {
    const error = normalizeError(err);
    const text = typeof input === 'string' ? input : undefined;
    return {
      results: [{ index: 0, ok: false, outcome: error.outcome, error, ...(text !== undefined ? { text } : {}) }],
      error,
    };
  }
}

async function* once(input: Uint8Array | string): AsyncGenerator<Uint8Array | string> {
  yield input;
}

/**
 * Validates a row's resources. A resource with a `shape` is validated once per shape and file: resources of one
 * shape differ only in values the cell parsers have checked, and validating every one of a million-row file cost
 * three quarters of the import's time.
 */
function validateRow(
  row: RowWithShared,
  validator: ResourceValidator,
  line: number,
  byShape: Map<string, OperationOutcomeIssue[]>,
): OperationOutcomeIssue[] {
  const found: OperationOutcomeIssue[] = [];
  for (const r of row.results) {
    let issues = r.shape === undefined ? undefined : byShape.get(r.shape);
    if (!issues) {
      issues = validator.validate({ ...r.resource, [r.subjectElement]: VALIDATION_SUBJECT } as Resource);
      if (r.shape !== undefined && byShape.size < 10_000) byShape.set(r.shape, issues);
    }
    for (const i of issues) found.push({ ...i, expression: [...(i.expression ?? []), place(line)] });
  }
  return found;
}

function rowIssues(line: number, problems: readonly CellProblem[]): OperationOutcomeIssue[] {
  return problems.map((p) => issue('error', IssueType.Value, p.reason, { csv: place(line, p.column) }));
}

/** @returns `line 14` or `line 14, column 'HbA1c (%)'`. */
export function place(line: number, column?: string): string {
  return column === undefined ? `line ${line}` : `line ${line}, column '${column}'`;
}

function valuesOf(fields: readonly string[], indexes: readonly number[]): string {
  let s = '';
  for (const i of indexes) s += `${(fields[i] ?? '').trim()}\u0000`;
  return s;
}

function digestOf(raws: readonly string[]): string {
  const hash = createHash('sha256');
  for (const r of raws) hash.update(r).update('\n');
  return hash.digest('hex').slice(0, 32);
}

/** @returns The field as CSV text: quoted when it holds the delimiter, the quote or a line break. */
export function quoteField(value: string, delimiter: string, quote: string): string {
  if (!value.includes(delimiter) && !value.includes(quote) && !/[\r\n]/.test(value)) return value;
  return quote + value.split(quote).join(quote + quote) + quote;
}

/** A row's text without the errors column of a re-imported errors file. */
function rawWithout(fields: readonly string[], skip: number, layout: AnyResolvedLayout): string {
  const { delimiter, quote } = layout.layout.format;
  return fields
    .filter((_, i) => i !== skip)
    .map((f) => quoteField(f, delimiter, quote))
    .join(delimiter);
}
