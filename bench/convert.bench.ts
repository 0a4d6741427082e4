import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadMappings } from '../src/map/load-mappings.ts';
import { createConvert } from '../src/pipeline/convert.ts';
import { loadValidator } from '../src/validate/load-validator.ts';
import { formatRow, measure } from './stats.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

/**
 * In-process conversion of a 2.4 KB ORU^R01 with 15 OBX (local codes, unit conversions, NTE, SPM), on one core:
 * parse + map + bundle, then the same with full validation (base R4 + profiles).
 * @returns The printed lines.
 */
export async function benchConvert(durationMs: number): Promise<string[]> {
  const input = await readFile(path.join(ROOT, 'examples/oru-r01-diabetes-panel.hl7'));
  const mappings = await loadMappings(path.join(ROOT, 'mappings'));
  const validator = await loadValidator({ profilesDir: path.join(ROOT, 'profiles') });
  const convert = createConvert({ mappings, validator });
  const once = async (validate: boolean): Promise<void> => {
    const [r] = await convert(input, { validate, receivedAt: '2026-01-01T00:00:00Z' });
    if (!r?.ok) throw new Error(`benchmark message failed to convert: ${JSON.stringify(r?.outcome)}`);
  };
  const bare = await measure(() => once(false), durationMs);
  const full = await measure(() => once(true), durationMs);
  return [
    `input: ${input.length} bytes, 15 OBX; one core, in process`,
    formatRow('parse + map + bundle', bare),
    formatRow('parse + map + validate + bundle', full),
  ];
}
