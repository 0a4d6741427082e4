import type { WriteCounts } from '../../deliver/transaction-writes.ts';

/** Where the Bundles of an import go. */
export const ImportMode = {
  /** To the configured FHIR server. */
  Deliver: 'deliver',
  /** Nowhere: map and validate only. */
  DryRun: 'dry-run',
  /** To JSON files in a directory. */
  Out: 'out',
} as const;
/** One of the {@link ImportMode} values. */
export type ImportMode = (typeof ImportMode)[keyof typeof ImportMode];

/** What an import did: printed on stderr at the end, or as JSON on stdout with `--json`. */
export interface ImportReport {
  file: string;
  /** The layout's id. */
  layout: string;
  mode: ImportMode;
  /** `embedded` or the FHIR base URL, when delivering. */
  target?: string;
  /** The directory, with `--out`. */
  out?: string;
  /** False when delivery stopped before the end of the file: the row counts then cover what was read. */
  complete: boolean;
  rows: {
    read: number;
    /** In Bundles delivered (or written, or produced in a dry run). */
    imported: number;
    rejected: number;
    /** Exact repeats of an earlier row. */
    duplicates: number;
    /** Rows whose value cells were all empty. */
    withoutValues: number;
  };
  bundles: number;
  /**
   * Entries of those Bundles, by resource type. A subject whose rows span two Bundles has a Patient entry in
   * each; {@link writes} counts the Patient once.
   */
  entries: Record<string, number>;
  /** What the FHIR server did with them; absent when nothing was delivered (dry run, `--out`). */
  writes?: WriteCounts;
  /** The errors CSV, when rows were rejected. */
  errorsFile?: string;
  /** Why delivery stopped, when it did. */
  stopped?: string;
  /** Time spent loading mappings, layout and profiles before reading. */
  loadMs: number;
  /** Time from the first byte read to the end. */
  elapsedMs: number;
  rowsPerSecond: number;
}

const plural = (n: number, one: string, many = `${one}s`): string =>
  `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/**
 * @param r - The report.
 * @returns The summary lines for stderr.
 */
export function formatImportReport(r: ImportReport): string[] {
  const rows = r.rows;
  const lines = [
    `${r.file} (layout ${r.layout}): ${plural(rows.read, 'row')} read${r.complete ? '' : ' before stopping'}: ` +
      `${rows.imported.toLocaleString('en-US')} imported, ${rows.rejected.toLocaleString('en-US')} rejected, ` +
      `${plural(rows.duplicates, 'duplicate')} skipped, ${rows.withoutValues.toLocaleString('en-US')} without values`,
  ];
  const total = Object.values(r.entries).reduce((a, b) => a + b, 0);
  const byType = Object.entries(r.entries)
    .map(([type, n]) => `${n.toLocaleString('en-US')} ${type}`)
    .join(', ');
  lines.push(`${plural(r.bundles, 'Bundle')}, ${plural(total, 'entry', 'entries')}${byType ? ` (${byType})` : ''}`);
  if (r.writes) {
    const w = r.writes;
    const unknown = w.unknown ? `, ${w.unknown.toLocaleString('en-US')} not told apart by the server` : '';
    lines.push(
      `FHIR server (${r.target ?? 'unknown'}): ${w.created.toLocaleString('en-US')} created, ` +
        `${w.updated.toLocaleString('en-US')} updated, ${w.unchanged.toLocaleString('en-US')} unchanged${unknown}`,
    );
  } else {
    lines.push(r.mode === 'out' ? `not delivered: Bundles written to ${r.out}` : 'not delivered (dry run)');
  }
  if (r.errorsFile) lines.push(`${plural(rows.rejected, 'rejected row')} written to ${r.errorsFile}`);
  const seconds = r.elapsedMs / 1000;
  lines.push(
    `${seconds < 10 ? seconds.toFixed(2) : seconds.toFixed(1)} s, ${Math.round(r.rowsPerSecond).toLocaleString('en-US')} rows/s ` +
      `(after ${(r.loadMs / 1000).toFixed(1)} s loading mappings and profiles)`,
  );
  return lines;
}
