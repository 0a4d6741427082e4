import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { Ajv, type ValidateFunction } from 'ajv';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode } from '../errors/error-codes.ts';
import { adapterErrorFromIssues, issue, IssueType } from '../errors/outcomes.ts';
import { checkReferences } from './check-references.ts';
import { deepFreeze } from './deep-freeze.ts';
import { readYamlData } from './yaml-data.ts';
import { studyLookups } from './study-lookups.ts';
import { readStudies } from './study/load-studies.ts';
import { MappingSchemas, schemaForPath, type MappingFileKind } from './mapping-schema.ts';
import type {
  Analyte,
  Mappings,
  MessageManifest,
  Sender,
  Settings,
  TemplateNode,
  ValueTable,
} from './mapping-types.ts';

export type { Mappings } from './mapping-types.ts';

const LOINC = 'http://loinc.org';
/** Where the study definitions are, relative to the mappings directory. */
const STUDIES_DIR = 'studies';

/** A parsed file with its kind, kept until indexing. */
interface LoadedFile {
  rel: string;
  kind: MappingFileKind;
  data: unknown;
}

function compileSchemas(): Record<MappingFileKind, ValidateFunction> {
  // strictRequired is off: the `anyOf: [{required: [names]}, {required: [pattern]}]` idiom names properties declared one level up.
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
  ajv.addSchema(MappingSchemas.condition);
  const out = {} as Record<MappingFileKind, ValidateFunction>;
  for (const [kind, schema] of Object.entries(MappingSchemas)) {
    if (kind !== 'condition') out[kind as MappingFileKind] = ajv.compile(schema);
  }
  return out;
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(path.join(dir, prefix), { withFileTypes: true });
  const files: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) files.push(...(await listFiles(dir, rel)));
    else files.push(rel);
  }
  return files;
}

/**
 * Reads every file under `dir`, checks each against its JSON Schema and cross-references, and returns the frozen set,
 * with the `$lookup` sets derived from the study definitions in `studies/`.
 * @param dir - The mappings directory.
 * @returns The mappings.
 * @throws AdapterError `mapping.invalid` with one issue per problem (file, path, reason), all at once.
 */
export async function loadMappings(dir: string): Promise<Mappings> {
  const issues: OperationOutcomeIssue[] = [];
  const validators = compileSchemas();
  let rels: string[];
  try {
    rels = await listFiles(dir);
  } catch (err) {
    throw adapterErrorFromIssues(
      ErrorCode.MappingInvalid,
      [issue('fatal', IssueType.NotSupported, 'mappings directory cannot be read', { file: dir })],
      err,
    );
  }
  const files: LoadedFile[] = [];
  for (const rel of rels) {
    const kind = schemaForPath(rel);
    if (!kind) continue;
    const text = await readFile(path.join(dir, rel), 'utf8');
    const data = readYamlData(text, rel, validators[kind], issues);
    if (data === undefined) continue;
    files.push({ rel, kind, data });
  }
  const indexed = indexFiles(dir, files, issues);
  // Study definitions are optional: a mapping set without `studies/` serves lab feeds only.
  const studies = await readStudies(path.join(dir, STUDIES_DIR), indexed, issues, {
    required: false,
    label: STUDIES_DIR,
  });
  const mappings: Mappings = { ...indexed, lookups: studyLookups(studies, indexed.settings, issues), studies };
  issues.push(...checkReferences(mappings));
  if (issues.length) throw adapterErrorFromIssues(ErrorCode.MappingInvalid, issues);
  return deepFreeze(mappings);
}

function indexFiles(dir: string, files: LoadedFile[], issues: OperationOutcomeIssue[]): Mappings {
  const byKind = (kind: MappingFileKind): LoadedFile[] => files.filter((f) => f.kind === kind);
  const dup = (what: string, key: string, rel: string): void => {
    issues.push(issue('error', IssueType.Duplicate, `duplicate ${what} '${key}'`, { file: rel }));
  };

  const settingsFile = byKind('settings')[0];
  if (!settingsFile)
    issues.push(issue('error', IssueType.Required, 'settings.yaml is missing', { file: 'settings.yaml' }));
  const settings = (settingsFile?.data as Settings | undefined) ?? {
    canonicalBase: 'https://studybridge.org/fhir',
    identifierBase: 'https://studybridge.org/fhir/id',
  };

  const manifests = new Map<string, MessageManifest>();
  for (const f of byKind('manifest')) {
    const m = f.data as MessageManifest;
    if (manifests.has(m.message)) dup('manifest for', m.message, f.rel);
    manifests.set(m.message, m);
  }

  const templates = new Map<string, TemplateNode>();
  for (const f of byKind('template')) templates.set(path.posix.basename(f.rel).replace(/\.ya?ml$/, ''), f.data);

  const tables = new Map<string, ValueTable>();
  for (const f of byKind('table')) {
    const t = f.data as ValueTable;
    if (tables.has(t.name)) dup('table', t.name, f.rel);
    tables.set(t.name, t);
  }

  const analytes = new Map<string, Analyte>();
  const analytesByCode = new Map<string, Analyte>();
  for (const f of byKind('analyteFile')) {
    (f.data as { analytes: Analyte[] }).analytes.forEach((a, i) => {
      const analyte = { ...a, system: a.system ?? LOINC };
      if (analytes.has(a.id)) dup('analyte id', a.id, `${f.rel}:/analytes/${i}`);
      analytes.set(a.id, analyte);
      const key = `${analyte.system}|${analyte.code}`;
      // Two analytes may share a code only if they are the same measure in one unit; keep the first as canonical.
      if (!analytesByCode.has(key)) analytesByCode.set(key, analyte);
    });
  }

  const senders: Sender[] = [];
  const localCodes = new Map<string, Map<string, { analyte: Analyte; unit?: string }>>();
  for (const f of byKind('sender')) {
    const s = f.data as Sender;
    if (localCodes.has(s.id)) dup('sender id', s.id, f.rel);
    senders.push(s);
    const table = new Map<string, { analyte: Analyte; unit?: string }>();
    (s.codes ?? []).forEach((row, i) => {
      const analyte = analytes.get(row.analyte);
      const where = `${f.rel}:/codes/${i}`;
      if (!analyte) {
        issues.push(issue('error', IssueType.Value, `unknown analyte '${row.analyte}'`, { file: `${where}/analyte` }));
        return;
      }
      if (table.has(row.local)) dup('local code', row.local, where);
      table.set(row.local, row.unit ? { analyte, unit: row.unit } : { analyte });
    });
    localCodes.set(s.id, table);
  }
  // Specific senders first; a wildcard matches only when nothing more specific does.
  const specificity = (s: Sender): number =>
    (s.match.sendingApplication === '*' ? 0 : 2) + (s.match.sendingFacility === '*' ? 0 : 1);
  senders.sort((a, b) => specificity(b) - specificity(a));

  const unitAliases = new Map<string, string>();
  for (const f of byKind('unitAliases')) {
    for (const a of (f.data as { aliases: { from: string; to: string }[] }).aliases) {
      if (unitAliases.has(a.from) && unitAliases.get(a.from) !== a.to) dup('unit alias', a.from, f.rel);
      unitAliases.set(a.from, a.to);
    }
  }

  const codingSystems = new Map<string, string>();
  const codingSystemPatterns: { pattern: RegExp; uri: string }[] = [];
  for (const f of byKind('codingSystems')) {
    (f.data as { systems: { names?: string[]; pattern?: string; uri: string }[] }).systems.forEach((s, i) => {
      for (const n of s.names ?? []) codingSystems.set(n, s.uri);
      if (s.pattern) {
        try {
          codingSystemPatterns.push({ pattern: new RegExp(s.pattern), uri: s.uri });
        } catch {
          issues.push(
            issue('error', IssueType.Value, 'invalid regular expression', { file: `${f.rel}:/systems/${i}` }),
          );
        }
      }
    });
  }

  const codeSystems = new Map<string, { url: string; concepts: { code: string; display: string }[] }>();
  for (const f of byKind('codeSystem')) {
    const cs = f.data as { url: string; concepts: { code: string; display: string }[] };
    codeSystems.set(cs.url, cs);
  }

  return {
    dir,
    settings,
    manifests,
    templates,
    tables,
    analytes,
    analytesByCode,
    senders,
    localCodes,
    unitAliases,
    codingSystems,
    codingSystemPatterns,
    codeSystems,
    lookups: new Map(),
  };
}
