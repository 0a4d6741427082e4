import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFullCoreDefinitions } from '../definitions.ts';
import { generateProfile } from './generate.ts';
import { PROFILE_SPECS } from './specs.ts';

/** The repository's `profiles/` directory. */
export const PROFILES_DIR = fileURLToPath(new URL('../../../profiles/', import.meta.url));

/**
 * Renders every profile spec as the exact text of its `StructureDefinition-<id>.json`.
 * @returns File name to content.
 */
export function renderProfiles(): Map<string, string> {
  const core = loadFullCoreDefinitions();
  const files = new Map<string, string>();
  for (const spec of PROFILE_SPECS) {
    const sd = generateProfile(spec, (url) => core.byUrl.get(url));
    files.set(`StructureDefinition-${spec.id}.json`, JSON.stringify(sd, null, 2) + '\n');
  }
  return files;
}

/**
 * Writes the rendered profiles into a directory.
 * @param dir - Target directory (default: the repository's `profiles/`).
 * @returns The paths written.
 */
export async function writeProfiles(dir = PROFILES_DIR): Promise<string[]> {
  const written: string[] = [];
  for (const [name, text] of renderProfiles()) {
    const path = join(dir, name);
    await writeFile(path, text);
    written.push(path);
  }
  return written;
}

// Run directly (`npx node src/validate/profile-gen/write-profiles.ts`) to regenerate profiles/.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const path of await writeProfiles()) console.log(`wrote ${path}`);
}
