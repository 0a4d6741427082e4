import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { ROOT } from '../../integration/support/paths.ts';

const CASES = path.join(ROOT, 'test', 'conformance', 'cases');

/** One transaction Bundle a conformance case expects studybridge to produce. */
export interface CaseBundle {
  /** Case name (`oru-r01/status-c`), with `#n` for the n-th message of a batch file. */
  name: string;
  bundle: Bundle;
}

function expectationFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.expected.json'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/**
 * Every transaction Bundle in the conformance expectations, in case-name order (refusals, which expect an
 * OperationOutcome, are skipped; a batch file's expectation gives one Bundle per converted message), except that a
 * Bundle pointing at another Bundle's resource by a conditional reference (an adverse event at its infusion) comes
 * after all the others, as its data would be imported after what it refers to.
 */
export function conformanceBundles(): CaseBundle[] {
  const out: CaseBundle[] = [];
  for (const file of expectationFiles(CASES)) {
    const name = path.relative(CASES, file).replace(/\.expected\.json$/, '');
    const json = JSON.parse(readFileSync(file, 'utf8')) as Resource | Resource[];
    const items = Array.isArray(json) ? json : [json];
    items.forEach((item, i) => {
      if (item.resourceType === 'Bundle' && item.type === 'transaction') {
        out.push({ name: Array.isArray(json) ? `${name}#${i + 1}` : name, bundle: item });
      }
    });
  }
  return [...out.filter((c) => !refersOutside(c.bundle)), ...out.filter((c) => refersOutside(c.bundle))];
}

/** @returns Whether a resource of the Bundle refers by identifier to a type the Bundle does not write. */
function refersOutside(bundle: Bundle): boolean {
  const written = new Set((bundle.entry ?? []).map((e) => e.resource?.resourceType as string));
  const refs = JSON.stringify(bundle).match(/"reference":"([A-Z][A-Za-z]+)\?identifier=/g) ?? [];
  return refs.some((r) => !written.has(r.slice(13, r.indexOf('?'))));
}
