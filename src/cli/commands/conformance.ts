import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { csvCaseKind, hl7CaseKind } from '../../conformance/case-kinds.ts';
import { discoverCases } from '../../conformance/discover-cases.ts';
import { formatCaseResult, formatSummary } from '../../conformance/format-report.ts';
import { toJUnitXml } from '../../conformance/junit.ts';
import { runConformance, type ConformanceReport } from '../../conformance/run-conformance.ts';
import type { AnyCsvLayouts } from '../../map/csv/layout-types.ts';
import type { Mappings } from '../../map/mapping-types.ts';
import type { ConvertFn } from '../../pipeline/convert-types.ts';
import type { ResourceValidator } from '../../validate/types.ts';
import { ExitCode } from '../exit-code.ts';
import type { CliIo } from '../io.ts';
import { describeLoadError } from '../load-errors.ts';
import type { Stages } from '../stages.ts';

/** Where cases live when no directory is given. */
export const DEFAULT_CASES_DIR = 'test/conformance/cases';

/** Parsed options of `studybridge conformance`. */
export interface ConformanceCommandOptions {
  /** Case directories; {@link DEFAULT_CASES_DIR} when empty. */
  dirs: string[];
  /** Also write a JUnit XML report here. */
  junit?: string;
  /** Write outputs as expectations. */
  update: boolean;
  /** Only cases whose name contains this. */
  filter?: string;
  mappingsDir: string;
  profilesDir: string;
}

/**
 * Runs the conformance cases with the real converter and validator, printing `✓ name` / `✗ name` (with the
 * diff) per case and `N passed, N failed` as the last line. `.hl7` cases go through the HL7 converter; `.csv`
 * cases through the CSV pipeline with the layout of `<mappings>/csv/` their folder names.
 * @returns 0 when all pass, 1 when a case fails or none is found, 2 when directories or configuration are unusable.
 */
export async function runConformanceCommand(
  options: ConformanceCommandOptions,
  io: CliIo,
  stages: Stages,
): Promise<ExitCode> {
  const err = (line: string): void => void io.stderr.write(`studybridge conformance: ${line}\n`);
  const dirs = options.dirs.length ? options.dirs : [DEFAULT_CASES_DIR];
  for (const dir of dirs) {
    // Checked before loading anything: a typo should not cost the seconds that loading profiles takes.
    if (!(await exists(dir))) return (err(`conformance directory not found: ${dir}`), ExitCode.Usage);
  }

  let withCsv: boolean;
  try {
    // Layouts are loaded only for a run with CSV cases, so an HL7-only run needs nothing it does not use.
    withCsv = await hasCsvCases(dirs, options.filter);
  } catch (e) {
    return (err(e instanceof Error ? e.message : String(e)), ExitCode.Usage);
  }

  const [converter, validator, csv] = await Promise.allSettled([
    stages.createConverter({ mappingsDir: options.mappingsDir, profilesDir: options.profilesDir }),
    stages.loadValidator({ profilesDir: options.profilesDir }),
    withCsv ? loadCsvSetup(options.mappingsDir, stages) : undefined,
  ]);
  if (converter.status === 'rejected' || validator.status === 'rejected' || csv.status === 'rejected') {
    if (converter.status === 'rejected') describeLoadError('mappings and profiles', converter.reason).forEach(err);
    // The converter loads the same mappings and profiles and already listed their problems.
    else if (validator.status === 'rejected') describeLoadError('the validator', validator.reason).forEach(err);
    else if (csv.status === 'rejected') describeLoadError('the CSV layouts', csv.reason).forEach(err);
    return ExitCode.Usage;
  }
  const convert: ConvertFn = converter.value;
  const resourceValidator: ResourceValidator = validator.value;
  const kinds = [hl7CaseKind(convert)];
  if (csv.value) {
    const { mappings, layouts, layoutCaseConverter } = csv.value;
    kinds.push(csvCaseKind(layoutCaseConverter(layouts, { mappings, validator: resourceValidator })));
  }

  let report: ConformanceReport;
  try {
    report = await runConformance({
      dirs,
      kinds,
      validator: resourceValidator,
      update: options.update,
      filter: options.filter,
      onCase: (result) => io.stdout.write(formatCaseResult(result).join('\n') + '\n'),
    });
  } catch (e) {
    return (err(e instanceof Error ? e.message : String(e)), ExitCode.Usage);
  }

  if (report.results.length === 0) {
    err(`no conformance cases found in ${dirs.join(', ')}${options.filter ? ` matching "${options.filter}"` : ''}`);
  }
  if (options.junit) {
    await mkdir(path.dirname(options.junit), { recursive: true });
    await writeFile(options.junit, toJUnitXml(report));
  }
  io.stdout.write(formatSummary(report).join('\n') + '\n');
  return report.failed > 0 || report.results.length === 0 ? ExitCode.Failed : ExitCode.Ok;
}

/**
 * @returns Whether any `.csv` case is under the directories (and matches the filter).
 * @throws Error as discovery does, e.g. when an HL7 and a CSV input would share one expectation file.
 */
async function hasCsvCases(dirs: readonly string[], filter: string | undefined): Promise<boolean> {
  const nothing = (): Promise<[]> => Promise.resolve([]);
  const csv = csvCaseKind(nothing);
  const { cases } = await discoverCases(dirs, [hl7CaseKind(nothing), csv], { filter });
  return cases.some((c) => c.kind === csv);
}

/**
 * Loads the mapping set and its CSV layouts once, beside the converter: a `.csv` case is converted with the layout
 * its folder names. The CSV pipeline is imported here, on use, like the other stages.
 */
async function loadCsvSetup(mappingsDir: string, stages: Stages) {
  const [mappings, cases] = await Promise.all([
    stages.loadMappings(mappingsDir) as Promise<Mappings>,
    import('../../conformance/csv-layout-cases.ts'),
  ]);
  const layouts: AnyCsvLayouts = await cases.loadCaseLayouts(mappingsDir, mappings);
  return { mappings, layouts, layoutCaseConverter: cases.layoutCaseConverter };
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}
