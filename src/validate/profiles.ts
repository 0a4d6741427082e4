import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OperationOutcomeIssue, StructureDefinition } from '@medplum/fhirtypes';
import { ErrorCode } from '../errors/error-codes.ts';
import { IssueType, adapterErrorFromIssues, issue } from '../errors/outcomes.ts';
import { compileStructure } from './compile-structure.ts';
import { CORE_SD_BASE } from './definitions.ts';
import { checkProfile, findBase } from './profile-checks.ts';
import type { CoreRegistry } from './registry.ts';
import type { LoadedProfile } from './validator.ts';

const FILE = /^StructureDefinition-(.+)\.json$/;

/**
 * Reads, checks and compiles every `StructureDefinition-<id>.json` in a directory. Nothing is returned until
 * all files are checked: every problem of every file (unreadable JSON, wrong identity, a snapshot that loosens
 * its base, unsupported slicing, an invariant that does not parse, a value set that cannot be expanded) is
 * listed in one error.
 * @param dir - The profiles directory.
 * @param registry - Compiled core definitions.
 * @returns Profiles by canonical URL.
 * @throws AdapterError `profile.invalid` listing each problem as `file:/json/pointer` plus the reason.
 */
export async function loadProfiles(dir: string, registry: CoreRegistry): Promise<Map<string, LoadedProfile>> {
  const issues: OperationOutcomeIssue[] = [];
  const problem = (file: string, pointer: string, reason: string): number =>
    issues.push(issue('error', IssueType.Invalid, reason, { file: `${file}:${pointer || '/'}` }));
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => FILE.test(n)).sort();
  } catch (err) {
    problem(dir, '', `Cannot read the profiles directory (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    throw adapterErrorFromIssues(ErrorCode.ProfileInvalid, issues, err);
  }
  const parsed: { file: string; sd: StructureDefinition; ok: boolean }[] = [];
  for (const name of names) {
    const file = join(dir, name);
    let value: unknown;
    try {
      value = JSON.parse(await readFile(file, 'utf8'));
    } catch (err) {
      problem(file, '', `Not valid JSON (${(err as Error).message})`);
      continue;
    }
    const found = checkProfile(value, FILE.exec(name)?.[1] ?? '', {
      definition: (url) => registry.definition(url),
      resourceTypes: registry.defs.resourceTypes,
    });
    for (const p of found) problem(file, p.pointer, p.reason);
    // Still compiled when its identity is wrong, so that every problem of the file is listed in one go.
    if (isCompilable(value, registry)) parsed.push({ file, sd: value, ok: found.length === 0 });
  }
  // Registered before compiling, so a profile may name another as a Reference target.
  for (const { sd, ok } of parsed) if (ok) registry.registerProfileType(sd.url, sd.type);
  const profiles = new Map<string, LoadedProfile>();
  for (const { file, sd, ok } of parsed) {
    const compiled = compileStructure(sd, registry, (pointer, reason, gap) => {
      if (gap === 'constraint' || (gap === 'binding' && inheritsBinding(sd, pointer, registry))) {
        registry.limitations.push(`${sd.url}${pointer}: ${reason}`);
      } else problem(file, pointer, reason);
    });
    if (compiled && ok) profiles.set(sd.url, { url: sd.url, version: sd.version, type: sd.type, compiled });
  }
  if (issues.length > 0) throw adapterErrorFromIssues(ErrorCode.ProfileInvalid, issues);
  return profiles;
}

function isCompilable(value: unknown, registry: CoreRegistry): value is StructureDefinition {
  const sd = value as StructureDefinition | null;
  return (
    Array.isArray(sd?.snapshot?.element) && typeof sd.type === 'string' && registry.defs.resourceTypes.has(sd.type)
  );
}

/** Whether the element at a pointer keeps its base binding: a gap there is the base's, not the profile's. */
function inheritsBinding(sd: StructureDefinition, pointer: string, registry: CoreRegistry): boolean {
  const index = Number(/^\/snapshot\/element\/(\d+)/.exec(pointer)?.[1]);
  const ed = sd.snapshot?.element?.[index];
  const baseSd = registry.definition(CORE_SD_BASE + sd.type);
  const original =
    ed && baseSd
      ? findBase(ed.path, baseSd, {
          definition: (u) => registry.definition(u),
          resourceTypes: registry.defs.resourceTypes,
        })
      : undefined;
  return (
    !!original &&
    original.binding?.valueSet === ed?.binding?.valueSet &&
    original.binding?.strength === ed?.binding?.strength
  );
}
