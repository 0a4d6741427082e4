import { access, readdir } from 'node:fs/promises';
import path from 'node:path';
import { EXPECTED_SUFFIX, type CaseKind } from './case-kinds.ts';

/** One discovered conformance case. */
export interface ConformanceCase {
  /** Path of the input relative to its root directory, without extension, `/`-separated (e.g. `oru/glucose`). */
  name: string;
  inputPath: string;
  /** `<case>.expected.json` beside the input, whether or not it exists yet. */
  expectedPath: string;
  /** Whether the expectation file exists. */
  hasExpectation: boolean;
  /** How the input is converted. */
  kind: CaseKind;
}

/** What discovery found. */
export interface DiscoveredCases {
  /** Cases, sorted by name. */
  cases: ConformanceCase[];
  /** Expectation files with no input beside them (e.g. left behind by a rename); reported, not run. */
  orphans: string[];
}

/** Options of {@link discoverCases}. */
export interface DiscoverOptions {
  /** Keep only cases whose name contains this substring (case-sensitive). */
  filter?: string;
}

/**
 * Finds, recursively under each directory, every input whose extension a {@link CaseKind} handles.
 * Hidden directories and `node_modules` are not entered.
 * @param dirs - Root directories. With several, names are prefixed with the root as given.
 * @param kinds - The registered input kinds.
 * @param options - Filtering.
 * @returns The cases and orphaned expectations.
 * @throws Error when a root directory does not exist or two inputs would share one expectation file.
 */
export async function discoverCases(
  dirs: readonly string[],
  kinds: readonly CaseKind[],
  options: DiscoverOptions = {},
): Promise<DiscoveredCases> {
  const cases: ConformanceCase[] = [];
  const orphans: string[] = [];
  const byExpectation = new Map<string, string>();
  for (const root of dirs) {
    const files = await listFiles(root);
    const fileSet = new Set(files);
    const prefix = dirs.length > 1 ? `${toPosix(root).replace(/\/+$/, '')}/` : '';
    for (const file of files) {
      const kind = kinds.find((k) => file.endsWith(k.extension) && !file.endsWith(EXPECTED_SUFFIX));
      if (!kind) continue;
      const stem = file.slice(0, -kind.extension.length);
      const expectedPath = stem + EXPECTED_SUFFIX;
      const other = byExpectation.get(expectedPath);
      if (other) throw new Error(`${other} and ${file} would share one expectation file ${expectedPath}`);
      byExpectation.set(expectedPath, file);
      const name = prefix + toPosix(path.relative(root, stem));
      cases.push({ name, inputPath: file, expectedPath, hasExpectation: fileSet.has(expectedPath), kind });
    }
    for (const file of files) {
      if (file.endsWith(EXPECTED_SUFFIX) && !byExpectation.has(file)) orphans.push(file);
    }
  }
  const keep = (s: string): boolean => !options.filter || s.includes(options.filter);
  return {
    cases: cases.filter((c) => keep(c.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    orphans: orphans.filter(keep).sort(),
  };
}

async function listFiles(root: string): Promise<string[]> {
  try {
    await access(root);
  } catch {
    throw new Error(`conformance directory not found: ${root}`);
  }
  const out: string[] = [];
  const visit = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && entry.name !== 'node_modules') await visit(full);
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        out.push(full);
      }
    }
  };
  await visit(root);
  return out;
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}
