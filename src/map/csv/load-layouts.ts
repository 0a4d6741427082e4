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
import { readStudies } from '../study/load-studies.ts';
import type { ResolvedStudy, Studies } from '../study/study-types.ts';
import { labStudyLink, labStudyProblems } from './lab-study.ts';
import { checkLayoutBasics, columnNamer, LAYOUT_FILE } from './layout-common.ts';
import { CsvLayoutSchema } from './layout-schema.ts';
import {
  isLabLayout,
  LayoutKind,
  type AnyCsvLayouts,
  type AnyResolvedLayout,
  type CsvLayout,
  type CsvLayouts,
  type ResolvedColumn,
  type ResolvedLayout,
  type ResolvedLocalCode,
} from './layout-types.ts';
import { resolveStudyLayout } from './resolve-study-layout.ts';
import { StudyLayoutSchema } from './study-layout-schema.ts';
import { StudyLayoutKind, type StudyCsvLayout } from './study-layout-types.ts';

/** Where study definitions are, relative to the mappings directory. */
const STUDIES_DIR = 'studies';
const STUDY_KINDS: ReadonlySet<unknown> = new Set(Object.values(StudyLayoutKind));

let compiled: ValidateFunction | undefined;

/**
 * The layout schema for a file: lab layouts and study layouts have schemas of their own, chosen by `kind` (a file
 * of an unknown kind meets the lab schema, whose message lists every kind).
 */
function validator(): ValidateFunction {
  if (compiled) return compiled;
  const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: true });
  const lab = ajv.compile(CsvLayoutSchema);
  const study = ajv.compile(StudyLayoutSchema);
  const pick = (data: unknown): ValidateFunction =>
    STUDY_KINDS.has((data as { kind?: unknown } | null)?.kind) ? study : lab;
  const dispatch = ((data: unknown) => {
    const v = pick(data);
    const ok = v(data);
    dispatch.errors = v.errors;
    return ok;
  }) as ValidateFunction;
  compiled = dispatch;
  return compiled;
}

/** Layouts read from files, before study layouts are resolved (they need the studies, read only if any exists). */
interface ReadLayout {
  rel: string;
  data: CsvLayout | StudyCsvLayout;
}

/**
 * Reads every layout file (`*.yaml`, `*.yml`) directly in `dir`, checks each against the layout schema (applying
 * defaults) and against the mapping set, and returns the lab layouts resolved, by id. Study layouts are checked too
 * (a broken one is reported like a broken lab layout) but not returned: callers that know them use
 * {@link loadCsvLayoutSet}.
 * @param dir - The layouts directory, normally `mappings/csv`.
 * @param mappings - The loaded mapping set (analytes, unit aliases).
 * @returns The resolved lab layouts by id, frozen.
 * @throws AdapterError `mapping.invalid` with one issue per problem of every file (`file:/json/pointer`), all at once.
 */
export async function loadCsvLayouts(dir: string, mappings: Mappings): Promise<CsvLayouts> {
  const all = await loadCsvLayoutSet(dir, mappings);
  return Object.freeze(new Map([...all].filter((e): e is [string, ResolvedLayout] => isLabLayout(e[1]))));
}

/**
 * Like {@link loadCsvLayouts}, with the study layouts too (rosters, infusion logs, adverse-event logs), each
 * resolved against its study in `<mappings>/studies`. Problems of the study definitions are reported with those of
 * the layouts, all at once.
 * @param dir - The layouts directory, normally `mappings/csv`.
 * @param mappings - The loaded mapping set; its `dir` locates the studies.
 * @param studies - The studies, when the caller has loaded them; default: read from `<mappings.dir>/studies` when
 *   a layout needs them.
 * @returns Every resolved layout by id, frozen.
 * @throws AdapterError `mapping.invalid` with one issue per problem of every file, all at once.
 */
export async function loadCsvLayoutSet(dir: string, mappings: Mappings, studies?: Studies): Promise<AnyCsvLayouts> {
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
  const read: ReadLayout[] = [];
  for (const name of names) {
    const data = await readFile_(path.join(dir, name), name, issues);
    if (data) read.push({ rel: name, data });
  }
  const resolvedStudies = await studiesFor(read, dir, mappings, issues, studies);
  const layouts = new Map<string, AnyResolvedLayout>();
  for (const { rel, data } of read) {
    const resolved = resolveAny(data, rel, mappings, resolvedStudies, issues);
    if (!resolved) continue;
    if (layouts.has(resolved.layout.id)) {
      issues.push(
        issue('error', IssueType.Duplicate, `duplicate layout id '${resolved.layout.id}'`, { file: `${rel}:/id` }),
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
  const resolved = await loadAnyCsvLayout(file, mappings);
  if (!isLabLayout(resolved)) {
    throw adapterErrorFromIssues(ErrorCode.MappingInvalid, [
      issue('error', IssueType.NotSupported, `a ${resolved.kind} layout, where a lab layout is expected`, {
        file: `${file}:/kind`,
      }),
    ]);
  }
  return resolved;
}

/**
 * Reads one layout file of any kind, checks it like {@link loadCsvLayoutSet} does and returns it resolved.
 * @param file - Path of the layout file; its name without `.yaml` must be the layout's id.
 * @param mappings - The loaded mapping set; its `dir` locates the studies.
 * @param studies - The studies, when the caller has loaded them.
 * @returns The resolved layout, frozen.
 * @throws AdapterError `mapping.invalid` with one issue per problem, all at once.
 */
export async function loadAnyCsvLayout(
  file: string,
  mappings: Mappings,
  studies?: Studies,
): Promise<AnyResolvedLayout> {
  const issues: OperationOutcomeIssue[] = [];
  const data = await readFile_(file, file, issues);
  const resolvedStudies = data
    ? await studiesFor([{ rel: file, data }], path.dirname(file), mappings, issues, studies)
    : undefined;
  const resolved = data && resolvedStudies && resolveAny(data, file, mappings, resolvedStudies, issues);
  if (!resolved || issues.length) throw adapterErrorFromIssues(ErrorCode.MappingInvalid, issues);
  return resolved;
}

/** Parses and validates one file; problems go to `issues`, named `${rel}:…`. */
async function readFile_(
  file: string,
  rel: string,
  issues: OperationOutcomeIssue[],
): Promise<ReadLayout['data'] | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    issues.push(issue('fatal', IssueType.NotSupported, 'CSV layout file cannot be read', { file: rel }));
    return undefined;
  }
  return readYamlData(text, rel, validator(), issues) as ReadLayout['data'] | undefined;
}

function isStudyData(data: ReadLayout['data']): data is StudyCsvLayout {
  return STUDY_KINDS.has(data.kind);
}

/**
 * The studies the layouts need: those given, else `<mappings.dir>/studies` read only when a study layout is among
 * them (its problems named relative to the layouts directory, like the layouts').
 */
async function studiesFor(
  read: readonly ReadLayout[],
  layoutsDir: string,
  mappings: Mappings,
  issues: OperationOutcomeIssue[],
  given: Studies | undefined,
): Promise<Studies> {
  const needsStudies = read.some((r) => isStudyData(r.data) || (r.data as CsvLayout).study !== undefined);
  if (given || !needsStudies) return given ?? new Map();
  const dir = path.join(mappings.dir, STUDIES_DIR);
  return readStudies(dir, mappings, issues, { required: true, label: path.relative(layoutsDir, dir) || '.' });
}

function resolveAny(
  data: ReadLayout['data'],
  rel: string,
  mappings: Mappings,
  studies: Studies,
  issues: OperationOutcomeIssue[],
): AnyResolvedLayout | undefined {
  return isStudyData(data)
    ? resolveStudyLayout(data, rel, studies, issues)
    : withLayoutStudy(resolveLayout(data, rel, mappings, issues), rel, mappings, studies, issues);
}

/** Ties a resolved lab layout to the study it names, if any; problems go to `issues`. */
function withLayoutStudy(
  resolved: ResolvedLayout | undefined,
  rel: string,
  mappings: Mappings,
  studies: Studies,
  issues: OperationOutcomeIssue[],
): ResolvedLayout | undefined {
  const id = resolved?.layout.study;
  if (!resolved || id === undefined) return resolved;
  const study = studies.get(id);
  if (!study) {
    issues.push(issue('error', IssueType.Value, `unknown study '${id}'`, { file: `${rel}:/study` }));
    return undefined;
  }
  const tied = tieLabLayoutToStudy(resolved, study, mappings);
  if (tied.ok) return tied.layout;
  for (const p of tied.problems)
    issues.push(issue('error', IssueType.Value, p.reason, { file: `${rel}:${p.pointer}` }));
  return undefined;
}

/**
 * Ties a lab layout to a study (a layout's own `study`, or `import --study`): its results then carry the study and
 * their protocol visit.
 * @returns The layout with its study, or why it cannot be tied to it.
 */
export function tieLabLayoutToStudy(
  resolved: ResolvedLayout,
  study: ResolvedStudy,
  mappings: Mappings,
): { ok: true; layout: ResolvedLayout } | { ok: false; problems: { pointer: string; reason: string }[] } {
  const problems = labStudyProblems(resolved, study);
  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    layout: Object.freeze({ ...resolved, study: labStudyLink(study, mappings.settings.identifierBase) }),
  };
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

  checkLayoutBasics(layout, rel, bad);

  // Every column the layout names, trimmed, with the pointer that named it first.
  const { name: nameColumn, named } = columnNamer(bad);
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
