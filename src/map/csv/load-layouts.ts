import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { Ajv, type ValidateFunction } from 'ajv';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode } from '../../errors/error-codes.ts';
import { adapterErrorFromIssues, issue, IssueType } from '../../errors/outcomes.ts';
import { canonicalQuantity } from '../canonical-quantity.ts';
import type { Analyte, Mappings } from '../mapping-types.ts';
import { resolveUnit } from '../units.ts';
import { deepFreeze } from '../deep-freeze.ts';
import { readYamlData } from '../yaml-data.ts';
import { TIMEZONE_PATTERN } from '../mapping-schema.ts';
import { CsvLayoutSchema } from './layout-schema.ts';
import {
  LayoutKind,
  type CsvLayout,
  type CsvLayouts,
  type ResolvedColumn,
  type ResolvedLayout,
  type ResolvedLocalCode,
} from './layout-types.ts';

const LAYOUT_FILE = /\.ya?ml$/;
const TIMEZONE = new RegExp(TIMEZONE_PATTERN);
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, strict: true, useDefaults: true }).compile(CsvLayoutSchema);
  return compiled;
}

/**
 * Reads every layout file (`*.yaml`, `*.yml`) directly in `dir`, checks each against the layout schema (applying
 * defaults) and against the mapping set, and returns them resolved, by id.
 * @param dir - The layouts directory, normally `mappings/csv`.
 * @param mappings - The loaded mapping set (analytes, unit aliases).
 * @returns The resolved layouts by id, frozen.
 * @throws AdapterError `mapping.invalid` with one issue per problem of every file (`file:/json/pointer`), all at once.
 */
export async function loadCsvLayouts(dir: string, mappings: Mappings): Promise<CsvLayouts> {
  let names: string[];
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    names = entries
      .filter((e) => e.isFile() && LAYOUT_FILE.test(e.name))
      .map((e) => e.name)
      .sort((a, b) => a.localeCompare(b));
  } catch (err) {
    throw adapterErrorFromIssues(
      ErrorCode.MappingInvalid,
      [issue('fatal', IssueType.NotSupported, 'CSV layouts directory cannot be read', { file: dir })],
      err,
    );
  }
  const issues: OperationOutcomeIssue[] = [];
  const layouts = new Map<string, ResolvedLayout>();
  for (const name of names) {
    const resolved = await loadFile(path.join(dir, name), name, mappings, issues);
    if (!resolved) continue;
    if (layouts.has(resolved.layout.id)) {
      issues.push(
        issue('error', IssueType.Duplicate, `duplicate layout id '${resolved.layout.id}'`, { file: `${name}:/id` }),
      );
      continue;
    }
    layouts.set(resolved.layout.id, resolved);
  }
  if (issues.length) throw adapterErrorFromIssues(ErrorCode.MappingInvalid, issues);
  return Object.freeze(layouts);
}

/**
 * Reads one layout file (for `--mapping path/to/file.yaml`), checks it like {@link loadCsvLayouts} does and
 * returns it resolved. Problems name the file as given.
 * @param file - Path of the layout file; its name without `.yaml` must be the layout's id.
 * @param mappings - The loaded mapping set (analytes, unit aliases).
 * @returns The resolved layout, frozen.
 * @throws AdapterError `mapping.invalid` with one issue per problem (`file:/json/pointer`), all at once.
 */
export async function loadCsvLayout(file: string, mappings: Mappings): Promise<ResolvedLayout> {
  const issues: OperationOutcomeIssue[] = [];
  const resolved = await loadFile(file, file, mappings, issues);
  if (!resolved || issues.length) throw adapterErrorFromIssues(ErrorCode.MappingInvalid, issues);
  return resolved;
}

/** Parses, validates and resolves one file; problems go to `issues`, named `${rel}:…`. */
async function loadFile(
  file: string,
  rel: string,
  mappings: Mappings,
  issues: OperationOutcomeIssue[],
): Promise<ResolvedLayout | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    issues.push(issue('fatal', IssueType.NotSupported, 'CSV layout file cannot be read', { file: rel }));
    return undefined;
  }
  const data = readYamlData(text, rel, validator(), issues);
  if (data === undefined) return undefined;
  return resolveLayout(data as CsvLayout, rel, mappings, issues);
}

/**
 * Checks what the schema cannot and resolves analytes and units. Every problem is added to `issues`; the layout is
 * returned only when it has none.
 */
function resolveLayout(
  layout: CsvLayout,
  rel: string,
  m: Mappings,
  issues: OperationOutcomeIssue[],
): ResolvedLayout | undefined {
  const before = issues.length;
  const bad = (pointer: string, reason: string, type: IssueType = IssueType.Value): void => {
    issues.push(issue('error', type, reason, { file: `${rel}:${pointer}` }));
  };

  const expectedId = path.basename(rel).replace(LAYOUT_FILE, '');
  if (layout.id !== expectedId) bad('/id', `id '${layout.id}' must equal the file name '${expectedId}'`);
  if (!TIMEZONE.test(layout.timezone)) {
    bad('/timezone', `timezone '${layout.timezone}' is neither Z nor ±HH:MM (-14:00 to +14:00)`);
  }
  if (!ABSOLUTE_URI.test(layout.subject.system) || !URL.canParse(layout.subject.system)) {
    bad('/subject/system', `'${layout.subject.system}' is not an absolute URI`);
  }
  if (layout.format.quote === layout.format.delimiter) bad('/format/quote', 'the quote character is the delimiter');

  // Every column the layout names, trimmed, with the pointer that named it first.
  const named = new Map<string, string>();
  const nameColumn = (column: string, pointer: string): void => {
    const key = column.trim();
    const first = named.get(key);
    if (first) bad(pointer, `column '${key}' is already named at ${first}`, IssueType.Duplicate);
    else named.set(key, pointer);
  };
  nameColumn(layout.subject.column, '/subject/column');
  if (layout.visit) nameColumn(layout.visit.column, '/visit/column');
  nameColumn(layout.date.column, '/date/column');

  /** Resolves a unit text and checks it converts to the analyte's canonical unit. */
  const checkUnit = (
    text: string,
    analyte: Analyte | undefined,
    pointer: string,
  ): ResolvedColumn['unit'] | undefined => {
    const unit = resolveUnit(text, m.unitAliases);
    if (!unit.ucum) {
      bad(pointer, `unit '${text}' is neither UCUM nor an alias in the unit tables`);
      return undefined;
    }
    if (!analyte) return undefined;
    if (!analyte.unit) {
      bad(pointer, `analyte '${analyte.id}' has no canonical unit, so its values cannot be given in '${text}'`);
      return undefined;
    }
    const probe = canonicalQuantity({ value: 1, digits: 1 }, unit, analyte, m.settings.canonicalBase);
    if (!probe.ok) {
      bad(pointer, `unit '${text}' cannot be converted: ${probe.reason}`);
      return undefined;
    }
    return { original: unit.original, ucum: unit.ucum };
  };

  if (layout.kind === LayoutKind.LabsWide) {
    if (!layout.columns) bad('/', `a ${layout.kind} layout needs 'columns'`, IssueType.Required);
    if (layout.long) bad('/long', `a ${layout.kind} layout has 'columns', not 'long'`, IssueType.Structure);
  } else {
    if (!layout.long) bad('/', `a ${layout.kind} layout needs 'long'`, IssueType.Required);
    if (layout.columns) bad('/columns', `a ${layout.kind} layout has 'long', not 'columns'`, IssueType.Structure);
  }

  const columns: ResolvedColumn[] = [];
  const analyteColumn = new Map<string, string>();
  layout.columns?.forEach((c, i) => {
    const at = `/columns/${i}`;
    nameColumn(c.column, `${at}/column`);
    const analyte = m.analytes.get(c.analyte);
    if (!analyte) bad(`${at}/analyte`, `unknown analyte '${c.analyte}'`);
    else {
      // Two columns of one analyte would give two results with the same identity for one subject and visit.
      const first = analyteColumn.get(analyte.id);
      if (first) bad(`${at}/analyte`, `analyte '${analyte.id}' already has a column at ${first}`, IssueType.Duplicate);
      else analyteColumn.set(analyte.id, at);
    }
    const unit = checkUnit(c.unit, analyte, `${at}/unit`);
    if (analyte && unit) columns.push({ column: c.column.trim(), analyte, unit });
  });

  const codes = new Map<string, ResolvedLocalCode>();
  if (layout.long) {
    nameColumn(layout.long.code.column, '/long/code/column');
    nameColumn(layout.long.value.column, '/long/value/column');
    nameColumn(layout.long.unit.column, '/long/unit/column');
    const firstRow = new Map<string, string>();
    layout.long.codes.forEach((row, i) => {
      const at = `/long/codes/${i}`;
      const analyte = m.analytes.get(row.analyte);
      if (!analyte) bad(`${at}/analyte`, `unknown analyte '${row.analyte}'`);
      if (row.unit !== undefined) checkUnit(row.unit, analyte, `${at}/unit`);
      const first = firstRow.get(row.local);
      if (first) bad(`${at}/local`, `local code '${row.local}' is already listed at ${first}`, IssueType.Duplicate);
      else firstRow.set(row.local, at);
      if (analyte && !first) codes.set(row.local, row.unit !== undefined ? { analyte, unit: row.unit } : { analyte });
    });
  }

  if (issues.length > before) return undefined;
  const base = { layout: deepFreeze(layout), file: rel, namedColumns: Object.freeze(new Set(named.keys())) };
  const resolved: ResolvedLayout =
    layout.kind === LayoutKind.LabsWide
      ? { ...base, kind: LayoutKind.LabsWide, columns: Object.freeze(columns) }
      : { ...base, kind: LayoutKind.LabsLong, codes: Object.freeze(codes) };
  return Object.freeze(resolved);
}
