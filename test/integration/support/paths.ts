import path from 'node:path';

/** The repository root (tests spawn the CLI from here). */
export const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
/** The Node 24 the project installs (the system node may be older). */
export const NODE = path.join(ROOT, 'node_modules', '.bin', 'node');
export const MAIN = path.join(ROOT, 'src', 'cli', 'main.ts');
export const MAPPINGS_DIR = path.join(ROOT, 'mappings');
export const PROFILES_DIR = path.join(ROOT, 'profiles');
export const EXAMPLE = path.join(ROOT, 'examples', 'oru-r01-diabetes-panel.hl7');
export const CASES_DIR = path.join(ROOT, 'test', 'conformance', 'cases', 'oru-r01');
