import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { Ajv, type ValidateFunction } from 'ajv';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode } from '../../errors/error-codes.ts';
import { adapterErrorFromIssues, issue, IssueType } from '../../errors/outcomes.ts';
import { deepFreeze } from '../deep-freeze.ts';
import type { Mappings } from '../mapping-types.ts';
import { readYamlData } from '../yaml-data.ts';
import { buildResearchStudy, researchStudyUrl } from './research-study.ts';
import { StudySchema } from './study-schema.ts';
import type { ResolvedStudy, StudyDefinition, Studies } from './study-types.ts';

const STUDY_FILE = /\.ya?ml$/;
const DOSE_VISIT = /^dose-([1-9][0-9]*)$/;

/** Id of studybridge's CodeSystem of study products; its URL is `${canonicalBase}/CodeSystem/<id>`. */
export const STUDY_PRODUCTS_CODESYSTEM = 'study-products';

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, strict: true, useDefaults: true }).compile(StudySchema);
  return compiled;
}

/** @returns Whether `text` is an absolute URI (a scheme, then no spaces), as identifier and coding systems must be. */
export function isAbsoluteUri(text: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(text) && URL.canParse(text);
}

/**
 * Reads every study definition (`*.yaml`, `*.yml`) directly in `dir`, checks each against the study schema and the
 * mapping set, and returns them resolved, by id.
 * @param dir - The studies directory, normally `mappings/studies`.
 * @param mappings - The loaded mapping set (settings, the study-products CodeSystem).
 * @returns The resolved studies by id, frozen.
 * @throws AdapterError `mapping.invalid` with one issue per problem of every file (`file:/json/pointer`), all at once.
 */
export async function loadStudies(dir: string, mappings: Mappings): Promise<Studies> {
  const issues: OperationOutcomeIssue[] = [];
  const studies = await readStudies(dir, mappings, issues, { required: true, label: path.basename(dir) });
  if (issues.length) throw adapterErrorFromIssues(ErrorCode.MappingInvalid, issues);
  return studies;
}

/**
 * Like {@link loadStudies}, but adds its problems to `issues` instead of throwing, so a caller that loads more
 * (the CSV layouts that name studies) reports everything at once.
 * @param dir - The studies directory.
 * @param mappings - The loaded mapping set.
 * @param issues - Receives every problem.
 * @param options - `required: false` makes a missing directory mean "no studies" rather than a problem; `label`
 *   names the directory in problem reports (`<label>/<file>:/pointer`).
 * @returns The studies that have no problem, by id, frozen.
 */
export async function readStudies(
  dir: string,
  mappings: Mappings,
  issues: OperationOutcomeIssue[],
  options: { required: boolean; label: string },
): Promise<Studies> {
  let names: string[];
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    names = entries
      .filter((e) => e.isFile() && STUDY_FILE.test(e.name))
      .map((e) => e.name)
      .sort((a, b) => a.localeCompare(b));
  } catch (err) {
    if (!options.required && (err as NodeJS.ErrnoException).code === 'ENOENT') return Object.freeze(new Map());
    issues.push(issue('fatal', IssueType.NotSupported, 'studies directory cannot be read', { file: dir }));
    return Object.freeze(new Map());
  }
  const studies = new Map<string, ResolvedStudy>();
  for (const name of names) {
    const rel = `${options.label}/${name}`;
    let text: string;
    try {
      text = await readFile(path.join(dir, name), 'utf8');
    } catch {
      issues.push(issue('fatal', IssueType.NotSupported, 'study file cannot be read', { file: rel }));
      continue;
    }
    const data = readYamlData(text, rel, validator(), issues);
    if (data === undefined) continue;
    const resolved = resolveStudy(data as StudyDefinition, rel, mappings, issues);
    if (resolved) studies.set(resolved.definition.id, resolved);
  }
  return Object.freeze(studies);
}

/** Checks what the schema cannot; the study is returned only when it has no problem. */
function resolveStudy(
  study: StudyDefinition,
  rel: string,
  m: Mappings,
  issues: OperationOutcomeIssue[],
): ResolvedStudy | undefined {
  const before = issues.length;
  const bad = (pointer: string, reason: string, type: IssueType = IssueType.Value): void => {
    issues.push(issue('error', type, reason, { file: `${rel}:${pointer}` }));
  };
  const expectedId = path.basename(rel).replace(STUDY_FILE, '');
  if (study.id !== expectedId) bad('/id', `id '${study.id}' must equal the file name '${expectedId}'`);

  const seen = (what: string) => {
    const first = new Map<string, string>();
    return (key: string, pointer: string): void => {
      const at = first.get(key);
      if (at) bad(pointer, `${what} '${key}' is already at ${at}`, IssueType.Duplicate);
      else first.set(key, pointer);
    };
  };
  const identifier = seen('identifier');
  study.identifiers.forEach((id, i) => {
    if (!isAbsoluteUri(id.system)) bad(`/identifiers/${i}/system`, `'${id.system}' is not an absolute URI`);
    identifier(`${id.system}|${id.value}`, `/identifiers/${i}`);
  });
  study.conditions.forEach((c, i) => {
    if (!isAbsoluteUri(c.system)) bad(`/conditions/${i}/system`, `'${c.system}' is not an absolute URI`);
  });
  for (const k of ['start', 'end'] as const) {
    const d = study.period?.[k];
    if (d && !dateExists(d)) bad(`/period/${k}`, `no such date '${d}'`);
  }
  const { start, end } = study.period ?? {};
  // Partial dates compare on the precision both have: 2018-12 does not end before 2018-12-05.
  const n = Math.min(start?.length ?? 0, end?.length ?? 0);
  if (start && end && end.slice(0, n) < start.slice(0, n)) bad('/period/end', 'the period ends before it starts');

  const productsUrl = `${m.settings.canonicalBase}/CodeSystem/${STUDY_PRODUCTS_CODESYSTEM}`;
  const codeSystem = m.codeSystems.get(productsUrl);
  const concepts = new Map((codeSystem?.concepts ?? []).map((c) => [c.code, c.display]));
  if (!codeSystem) bad('/products', `the CodeSystem ${productsUrl} is not among the mappings' code systems`);
  const product = seen('product');
  const products: ResolvedStudy['products'] = new Map(
    study.products.flatMap((p, i) => {
      product(p.code, `/products/${i}/code`);
      const display = concepts.get(p.code);
      if (codeSystem && display === undefined)
        bad(`/products/${i}/code`, `'${p.code}' is not a code of ${productsUrl}`);
      return [[p.code, { ...p, system: productsUrl, display: display ?? p.text }]];
    }),
  );

  const arm = seen('arm');
  study.arms.forEach((a, i) => {
    arm(a.name, `/arms/${i}/name`);
    if (a.product && !products.has(a.product))
      bad(`/arms/${i}/product`, `'${a.product}' is not a product of the study`);
    if (study.blinded && a.type)
      bad(`/arms/${i}/type`, 'a blinded study gives its arms no type: it would tell which is the placebo');
    if (study.blinded && a.product) bad(`/arms/${i}/product`, 'a blinded study names no product per arm');
  });
  if (study.blinded && study.products.length !== 1) {
    bad('/products', 'a blinded study has exactly one product: the blinded study product that every subject receives');
  }
  // Whether a row has a cell dose would tell a placebo infusion from an active one.
  if (study.blinded && study.products.some((p) => !p.cellDose)) {
    bad('/products/0/cellDose', 'the blinded study product has the cell dose of the active product');
  }

  const visit = seen('visit');
  const doses: number[] = [];
  study.visits.forEach((v, i) => {
    visit(v.code, `/visits/${i}/code`);
    const dose = DOSE_VISIT.exec(v.code);
    if (dose) doses.push(Number(dose[1]));
  });
  doses.sort((a, b) => a - b);
  if (doses.some((n, i) => n !== i + 1)) bad('/visits', 'dose visits must be numbered dose-1, dose-2, … without gaps');

  if (issues.length > before) return undefined;
  const definition = deepFreeze(study);
  return deepFreeze({
    definition,
    file: rel,
    armNames: new Set(study.arms.map((a) => a.name)),
    products,
    doses: doses.length,
    researchStudy: buildResearchStudy(definition, m.settings.canonicalBase),
    url: researchStudyUrl(definition),
  });
}

function dateExists(date: string): boolean {
  if (date.length < 10) return true;
  const d = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === date;
}
