import { ExitCode } from '../exit-code.ts';
import type { CliIo } from '../io.ts';

/**
 * Placeholder for the embedded HTTP/MLLP server, so `npm start` explains itself instead of failing obscurely.
 * @returns Always 2.
 */
export async function runServe(io: CliIo): Promise<ExitCode> {
  io.stderr.write('studybridge serve: not available yet; use `studybridge convert <file>` for now\n');
  return ExitCode.Usage;
}
