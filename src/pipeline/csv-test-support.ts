/**
 * CSV inputs and fakes for the receive, replay and HTTP tests of CSV files: the real mapping set, profiles and
 * layouts (loaded once per test file), the example exports, layout variants that reject rows or refuse the
 * file, and a memory store whose appends can be made to fail.
 */
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { ErrorCode } from '../errors/error-codes.ts';
import { adapterError, IssueType } from '../errors/outcomes.ts';
import { isLabLayout, type CsvLayout, type ResolvedLayout } from '../map/csv/layout-types.ts';
import { loadMappings } from '../map/load-mappings.ts';
import type { Logger } from '../observe/logger.ts';
import { MemoryMessageStore } from '../store/memory-message-store.ts';
import type { NewMessage } from '../store/message-store.ts';
import { loadValidator } from '../validate/load-validator.ts';
import { loadLayoutsIfPresent, type CsvDeps } from './receive-csv.ts';

/** The wide example layout: `;`, decimal commas, day-first dates, 18 rows in one Bundle. */
export const WIDE = 'registry-labs-wide';
/** The long example layout: `,`, ISO dates, 80 rows (one without a value) in one Bundle. */
export const LONG = 'trial-labs-long';

/**
 * @returns The real mappings, validator and layouts; `layouts` is a fresh mutable Map, so a test can swap a
 *   layout for a variant (and back, to replay with the fixed one).
 */
export async function loadCsvTestDeps(): Promise<Omit<CsvDeps, 'layouts'> & { layouts: Map<string, ResolvedLayout> }> {
  const [mappings, validator] = await Promise.all([
    loadMappings('mappings'),
    loadValidator({ profilesDir: 'profiles' }),
  ]);
  // The lab layouts: the tests vary those; study layouts have tests of their own.
  const all = (await loadLayoutsIfPresent('mappings', mappings))!;
  const layouts = new Map([...all].filter((e): e is [string, ResolvedLayout] => isLabLayout(e[1])));
  return { mappings, validator, layouts };
}

/** @returns The bytes of `examples/csv/<id>.csv`. */
export function exampleCsv(id: string): Uint8Array {
  return new Uint8Array(readFileSync(`examples/csv/${id}.csv`));
}

/** @returns The text of `examples/csv/<id>.csv`. */
export function exampleCsvText(id: string): string {
  return readFileSync(`examples/csv/${id}.csv`, 'utf8');
}

/** @returns The layout with some of its settings changed (e.g. `missing: ['']`, so `NA` cells are rejected). */
export function layoutVariant(layout: ResolvedLayout, changes: Partial<CsvLayout>): ResolvedLayout {
  return { ...layout, layout: { ...layout.layout, ...changes } };
}

/** @returns The layout expecting `,` instead of its own `;`: a file written with `;` is refused as a whole. */
export function commaLayout(layout: ResolvedLayout): ResolvedLayout {
  return layoutVariant(layout, { format: { ...layout.layout.format, delimiter: ',' } });
}

/** A memory store whose appends fail while `failing` is set; every append is recorded. */
export class FlakyStore extends MemoryMessageStore {
  failing = false;
  appends: NewMessage[][] = [];
  override append(messages: readonly NewMessage[]): Promise<number[]> {
    this.appends.push([...messages]);
    if (this.failing) {
      return Promise.reject(adapterError(ErrorCode.StoreWriteFailed, IssueType.Exception, 'disk full'));
    }
    return super.append(messages);
  }
}

/** @returns A logger keeping every record as its JSON text, to check what logs carry. */
export function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
  return { logger, lines };
}
