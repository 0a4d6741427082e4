import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ServiceConfig } from '../../config/config-types.ts';
import { loadConfig } from '../../config/load-config.ts';
import type { RetryPolicyOptions } from '../../deliver/retry-policy.ts';
import type { TransactionSender } from '../../deliver/transaction-sender.ts';
import { WriteTally } from '../../deliver/transaction-writes.ts';
import { ErrorCode } from '../../errors/error-codes.ts';
import type { CsvConvertOptions } from '../../pipeline/convert-csv.ts';
import type { ResourceValidator } from '../../validate/types.ts';
import { ExitCode } from '../exit-code.ts';
import { formatOutcome } from '../format-issues.ts';
import type { CliIo } from '../io.ts';
import { describeLoadError } from '../load-errors.ts';
import { loadCsvImport, type CsvImportParts, type Stages } from '../stages.ts';
import { defaultErrorsFile, ErrorsCsv, lineBreakOf, rowIssueText } from './errors-csv.ts';
import { deliverySink } from './import-delivery.ts';
import { runPass, type BundleSink, type PassResult } from './import-pass.ts';
import { ImportProgress, type ProgressStream } from './import-progress.ts';
import { formatImportReport, ImportMode, type ImportReport } from './import-summary.ts';

/** Parsed options of `studybridge import`. */
export interface ImportCommandOptions {
  file: string;
  /** A layout file, or the id of a layout in `<mappings>/csv/`. */
  mapping: string;
  /** Id of a study in `<mappings>/studies/` that a lab layout's results belong to (overrides the layout's own). */
  study?: string;
  /** Map and validate only. */
  dryRun: boolean;
  /** Write `<basename>-<nnnn>.json` per Bundle here instead of delivering. */
  out?: string;
  /** Refuse the whole file at the first bad row; nothing is delivered or written. */
  strict: boolean;
  /** Errors CSV; default `<basename>.errors.csv` beside the input. */
  errors?: string;
  /** ISO 8601 instant for Bundle.timestamp and Provenance.recorded; default now. */
  receivedAt?: string;
  /** Most entries per Bundle (text from the command line). */
  bundleSize?: string;
  /** False with `--no-validate`. */
  validate: boolean;
  /** Print the summary as JSON on stdout. */
  json: boolean;
  /** Data directory of the embedded FHIR server (else from the configuration). */
  data?: string;
  /** Config file (else `$STUDYBRIDGE_CONFIG`). */
  config?: string;
  mappingsDir: string;
  profilesDir: string;
}

/** What `import` needs from its surroundings beyond the stages; tests pass fakes. */
export interface ImportDeps {
  env: Readonly<Record<string, string | undefined>>;
  /** Opens the FHIR server to deliver to. Default: the external one configured, else the embedded one. */
  openSender?: (config: ServiceConfig, validator?: ResourceValidator) => Promise<TransactionSender>;
  /** Overrides of the retry policy (tests use tiny delays). */
  retry?: RetryPolicyOptions;
  sleep?: (ms: number) => Promise<void>;
  /** Clock in ms for progress and rates. */
  now?: () => number;
}

/** A FHIR instant: seconds and a time zone are required. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** A Bundle needs room for a Patient, one result and the Provenance. */
const MIN_BUNDLE_SIZE = 3;
/** Errors that refuse a strict import because of one row, rather than the file as such. */
const ROW_CODES: ReadonlySet<string> = new Set([
  ErrorCode.CsvInvalidRow,
  ErrorCode.CsvDuplicateRow,
  ErrorCode.ValidateInvalid,
]);

/**
 * Imports a CSV export with its layout: streams the file, maps and validates each row, and delivers each
 * transaction Bundle as soon as it is full (or writes it with `--out`, or neither with `--dry-run`). Rejected
 * rows go to stderr and to an errors CSV; a summary ends the run.
 * @returns 0 when every row was imported, 1 when rows were rejected or delivery stopped, 2 when the command
 *   could not run (usage, configuration, a file that cannot be imported at all).
 */
export async function runImport(
  options: ImportCommandOptions,
  io: CliIo,
  stages: Stages,
  deps: ImportDeps,
): Promise<ExitCode> {
  const now = deps.now ?? (() => performance.now());
  const begun = now();
  const say = (line: string): void => void io.stderr.write(`studybridge import: ${line}\n`);
  const usage = (line: string): ExitCode => (say(line), ExitCode.Usage);
  const loadFailed = (what: string, err: unknown): ExitCode => {
    for (const line of describeLoadError(what, err)) say(line);
    return ExitCode.Usage;
  };

  if (options.dryRun && options.out) return usage('--dry-run and --out exclude each other');
  const receivedAt = options.receivedAt ?? new Date().toISOString();
  if (!INSTANT.test(receivedAt) || isNaN(Date.parse(receivedAt))) {
    return usage('--received-at must be an ISO 8601 instant with seconds and zone, e.g. 2026-01-01T00:00:00Z');
  }
  const bundleSize = options.bundleSize === undefined ? undefined : Number(options.bundleSize);
  if (bundleSize !== undefined && !(Number.isInteger(bundleSize) && bundleSize >= MIN_BUNDLE_SIZE)) {
    return usage(`--bundle-size must be a whole number of at least ${MIN_BUNDLE_SIZE}`);
  }
  const errorsFile = options.errors ?? defaultErrorsFile(options.file);
  if (path.resolve(errorsFile) === path.resolve(options.file)) return usage('--errors must not be the input file');
  let size: number;
  let lineBreak: string;
  try {
    const s = await stat(options.file);
    if (!s.isFile()) return usage(`cannot read ${options.file}: not a file`);
    size = s.size;
    lineBreak = await lineBreakOf(options.file);
  } catch (err) {
    return usage(`cannot read ${options.file}: ${ioErrorText(err)}`);
  }
  const errorsDir = path.dirname(errorsFile);
  if (
    !(await stat(errorsDir).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  ) {
    return usage(`cannot write ${errorsFile}: ${errorsDir} is not a directory`);
  }

  const mode = options.dryRun ? ImportMode.DryRun : options.out ? ImportMode.Out : ImportMode.Deliver;
  let config: ServiceConfig | undefined;
  if (mode === ImportMode.Deliver) {
    try {
      config = loadConfig({ env: deps.env, ...(options.config ? { file: options.config } : {}) });
    } catch (err) {
      return loadFailed('the configuration', err);
    }
    if (options.data) config.dataDir = options.data;
  }
  // The embedded server validates what it stores whatever --no-validate says, as it does for the service.
  const embedded = config !== undefined && !config.fhir.baseUrl;
  let parts: CsvImportParts;
  try {
    parts = await (stages.loadCsvImport ?? loadCsvImport)({
      mappingsDir: options.mappingsDir,
      profilesDir: options.profilesDir,
      mapping: options.mapping,
      ...(options.study !== undefined ? { study: options.study } : {}),
      validator: options.validate || embedded,
    });
  } catch (err) {
    return loadFailed('the mappings, layout and profiles', err);
  }

  const { layout, mappings, validator } = parts;
  const convertOptions: CsvConvertOptions = {
    receivedAt,
    validate: options.validate,
    ...(bundleSize !== undefined ? { maxEntries: bundleSize } : {}),
  };
  const started = now();
  const progress = new ImportProgress(io.stderr as ProgressStream, size, now);
  const errors = new ErrorsCsv(errorsFile, layout.layout.format, lineBreak);
  const pass = { file: options.file, layout, deps: { mappings, ...(validator ? { validator } : {}) }, progress };
  try {
    await errors.removeStale();
  } catch (err) {
    return usage(`cannot remove the old ${errorsFile}: ${ioErrorText(err)}`);
  }

  // Delivery streams, so a strict import first reads the whole file without sending anything. A dry run has
  // nothing to hold back and reads it once.
  if (options.strict && mode !== ImportMode.DryRun) {
    progress.restart('checking: ');
    const check = await runPass({ ...pass, options: { ...convertOptions, strict: true } });
    progress.done();
    if (check.kind === 'refused' || check.kind === 'io-failed') return refusedExit(check, options.file, say);
    progress.restart('');
  }

  let sender: TransactionSender | undefined;
  let sink: BundleSink | undefined;
  const tally = new WriteTally();
  const base = path.basename(options.file, path.extname(options.file)) || 'input';
  if (mode === ImportMode.Out) {
    const out = options.out as string;
    try {
      await mkdir(out, { recursive: true });
    } catch (err) {
      return usage(`cannot create ${out}: ${ioErrorText(err)}`);
    }
    sink = async (event, n) => {
      const file = path.join(out, `${base}-${String(n).padStart(4, '0')}.json`);
      await writeFile(file, JSON.stringify(event.unit.bundle, null, 2) + '\n');
      return undefined;
    };
  } else if (mode === ImportMode.Deliver) {
    const open = deps.openSender ?? (await import('../../service/import-target.ts')).openImportSender;
    try {
      sender = await open(config as ServiceConfig, validator);
    } catch (err) {
      return loadFailed('the FHIR server', err);
    }
    sink = deliverySink(sender, tally, progress, deps);
  }

  let result: PassResult;
  try {
    result = await runPass({
      ...pass,
      options: { ...convertOptions, strict: options.strict },
      errors,
      ...(sink ? { sink } : {}),
    });
  } finally {
    await sender?.close();
    progress.done();
  }
  try {
    await errors.close();
  } catch (err) {
    say(`cannot write ${errorsFile}: ${ioErrorText(err)}`);
    return ExitCode.Usage;
  }
  if (result.kind === 'refused' || result.kind === 'io-failed') {
    const code = refusedExit(result, options.file, say);
    if (result.counts.bundles > 0 && mode !== ImportMode.DryRun) {
      say(
        `${result.counts.bundles} Bundle(s) up to line ${result.counts.lastLine} were already ` +
          `${mode === ImportMode.Out ? 'written' : 'delivered'}; importing the fixed file again is safe`,
      );
    }
    return code;
  }

  const elapsedMs = now() - started;
  const c = result.counts;
  const read = result.kind === 'done' ? result.summary.rowsRead : c.imported + c.rejected + c.duplicates;
  const report: ImportReport = {
    file: options.file,
    layout: layout.layout.id,
    mode,
    ...(sender ? { target: sender.description } : {}),
    ...(options.out ? { out: options.out } : {}),
    complete: result.kind === 'done',
    rows: {
      read,
      imported: c.imported,
      rejected: c.rejected,
      duplicates: c.duplicates,
      withoutValues: result.kind === 'done' ? result.summary.rowsWithoutValues : 0,
    },
    bundles: c.bundles,
    entries: c.entries,
    ...(sender ? { writes: { ...tally.counts } } : {}),
    ...(errors.rows > 0 ? { errorsFile } : {}),
    ...(result.kind === 'stopped' ? { stopped: result.why } : {}),
    loadMs: Math.round(started - begun),
    elapsedMs: Math.round(elapsedMs),
    rowsPerSecond: elapsedMs > 0 ? Math.round((read * 1000) / elapsedMs) : 0,
  };
  if (result.kind === 'stopped') {
    say(
      `stopped: the ${c.bundles} Bundle(s) before line ${result.lines[0]} are delivered, nothing after; ` +
        `importing the file again once the server takes it is safe (delivered rows come back unchanged)`,
    );
  }
  if (options.json) io.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else for (const line of formatImportReport(report)) io.stderr.write(`${line}\n`);
  return result.kind === 'done' && c.rejected === 0 ? ExitCode.Ok : ExitCode.Failed;
}

/** Reports a file refused as a whole; a strict refusal names its row. */
function refusedExit(
  result: Extract<PassResult, { kind: 'refused' | 'io-failed' }>,
  file: string,
  say: (line: string) => void,
): ExitCode {
  if (result.kind === 'io-failed') {
    const other = result.error.path && path.resolve(result.error.path) !== path.resolve(file);
    say(`cannot import ${file}: ${ioErrorText(result.error)}${other ? ` (${result.error.path})` : ''}`);
    return ExitCode.Usage;
  }
  const { error } = result;
  if (ROW_CODES.has(error.code)) {
    say(`${file} refused (--strict): nothing was imported (${error.code}):`);
    for (const i of error.outcome.issue ?? []) say(`  ${rowIssueText(i)}`);
    return ExitCode.Failed;
  }
  say(`cannot import ${file} (${error.code}):`);
  for (const line of formatOutcome(error.outcome)) say(`  ${line}`);
  return ExitCode.Usage;
}

function ioErrorText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOSPC') return 'no space left on the device';
  return err instanceof Error ? err.message : String(err);
}
