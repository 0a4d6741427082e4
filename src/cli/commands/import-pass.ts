import { createReadStream } from 'node:fs';
import { isAdapterError, type AdapterError } from '../../errors/adapter-error.ts';
import type { AnyResolvedLayout } from '../../map/csv/layout-types.ts';
import {
  convertCsv,
  type CsvConvertDeps,
  type CsvConvertOptions,
  type CsvEvent,
  type CsvSummary,
} from '../../pipeline/convert-csv.ts';
import { rowIssueText, type ErrorsCsv } from './errors-csv.ts';
import type { ImportProgress } from './import-progress.ts';

/** A Bundle of the import. */
export type BundleEvent = Extract<CsvEvent, { kind: 'bundle' }>;

/**
 * Where a pass sends each Bundle (the FHIR server, a file); absent in a dry run.
 * @param event - The Bundle and the lines it holds.
 * @param number - 1-based number of the Bundle in the file.
 * @returns Why the import has to stop, or undefined to go on.
 */
export type BundleSink = (event: BundleEvent, number: number) => Promise<string | undefined>;

/** What one pass over the file needs. */
export interface PassContext {
  file: string;
  layout: AnyResolvedLayout;
  deps: CsvConvertDeps;
  /** With `strict`, the first rejected row refuses the file. */
  options: CsvConvertOptions;
  progress: ImportProgress;
  /** Where rejected rows go; absent in a `--strict` check, which reports the one refusing row itself. */
  errors?: ErrorsCsv;
  sink?: BundleSink;
}

/** What a pass saw, whatever the end. */
export interface PassCounts {
  /** Rows in Bundles the sink took. */
  imported: number;
  rejected: number;
  duplicates: number;
  bundles: number;
  /** Entries of those Bundles, by resource type. */
  entries: Record<string, number>;
  /** Line of the last row accounted for. */
  lastLine: number;
}

/** How a pass ended. */
export type PassResult =
  /** The whole file was read. */
  | { kind: 'done'; counts: PassCounts; summary: CsvSummary }
  /** The sink refused a Bundle: `why`, at Bundle `lines`. */
  | { kind: 'stopped'; counts: PassCounts; why: string; lines: [number, number] }
  /** The file cannot be imported (a `csv.*` error), or in strict mode a row was rejected. */
  | { kind: 'refused'; counts: PassCounts; error: AdapterError }
  /** Reading the file or writing the errors CSV failed (permissions, disk full). */
  | { kind: 'io-failed'; counts: PassCounts; error: NodeJS.ErrnoException };

/**
 * Reads the file once, streaming, and hands each Bundle to the sink as soon as it is produced. Rejected rows
 * are reported on stderr (lines and columns, never values) and written to the errors CSV; exact repeats are
 * noted. Memory does not grow with the file: no event is kept after it has been handled.
 * @param ctx - See {@link PassContext}.
 * @returns How the pass ended, with what it saw.
 */
export async function runPass(ctx: PassContext): Promise<PassResult> {
  const counts: PassCounts = { imported: 0, rejected: 0, duplicates: 0, bundles: 0, entries: {}, lastLine: 0 };
  const { progress } = ctx;
  const events = convertCsv(countBytes(ctx.file, progress), ctx.layout, ctx.deps, ctx.options);
  try {
    for (;;) {
      const next = await events.next();
      if (next.done) return { kind: 'done', counts, summary: next.value };
      const event = next.value;
      if (event.kind === 'bundle') {
        const why = await ctx.sink?.(event, counts.bundles + 1);
        if (why !== undefined) {
          return { kind: 'stopped', counts, why, lines: [event.firstLine, event.lastLine] };
        }
        counts.imported += event.rows;
        counts.bundles++;
        for (const e of event.unit.bundle?.entry ?? []) {
          const type = e.resource?.resourceType ?? 'unknown';
          counts.entries[type] = (counts.entries[type] ?? 0) + 1;
        }
        counts.lastLine = event.lastLine;
      } else if (event.kind === 'rejected') {
        counts.rejected++;
        counts.lastLine = Math.max(counts.lastLine, event.line);
        const issues = event.unit.outcome.issue ?? [];
        for (const issue of issues) progress.line(rowIssueText(issue));
        await ctx.errors?.add(event.unit.text ?? '', event.raw, issues);
      } else {
        counts.duplicates++;
        counts.lastLine = Math.max(counts.lastLine, event.line);
        progress.line(`line ${event.line}: exact repeat of line ${event.sameAs}, skipped`);
      }
      progress.rowsDone(counts.imported + counts.rejected + counts.duplicates);
    }
  } catch (err) {
    if (isAdapterError(err)) return { kind: 'refused', counts, error: err };
    if ((err as NodeJS.ErrnoException | null)?.code) {
      return { kind: 'io-failed', counts, error: err as NodeJS.ErrnoException };
    }
    throw err;
  } finally {
    // Closes the file when the pass ends early; a no-op once the generator has finished.
    await events.return(undefined as never);
  }
}

/** The file as a byte stream, telling the progress line how far it got. */
async function* countBytes(file: string, progress: ImportProgress): AsyncGenerator<Buffer> {
  let bytes = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    progress.bytesRead(bytes);
    yield chunk;
  }
}
