import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { hl7CaseKind } from '../../conformance/case-kinds.ts';
import { formatCaseResult, formatSummary } from '../../conformance/format-report.ts';
import { toJUnitXml } from '../../conformance/junit.ts';
import { runConformance, type ConformanceReport } from '../../conformance/run-conformance.ts';
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
 * diff) per case and `N passed, N failed` as the last line.
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

  const [converter, validator] = await Promise.allSettled([
    stages.createConverter({ mappingsDir: options.mappingsDir, profilesDir: options.profilesDir }),
    stages.loadValidator({ profilesDir: options.profilesDir }),
  ]);
  if (converter.status === 'rejected' || validator.status === 'rejected') {
    if (converter.status === 'rejected') describeLoadError('mappings and profiles', converter.reason).forEach(err);
    // The converter loads the same profiles and already listed their problems.
    else if (validator.status === 'rejected') describeLoadError('the validator', validator.reason).forEach(err);
    return ExitCode.Usage;
  }
  const convert: ConvertFn = converter.value;
  const resourceValidator: ResourceValidator = validator.value;

  let report: ConformanceReport;
  try {
    report = await runConformance({
      dirs,
      kinds: [hl7CaseKind(convert)],
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

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}
