/** Where a command writes; tests pass an in-memory one so commands run in-process. */
export interface CliIo {
  /** Results (JSON, reports): what a pipe should receive. */
  stdout: { write(text: string): unknown };
  /** Progress, summaries, warnings and errors. */
  stderr: { write(text: string): unknown };
}

/** @returns The process's own streams. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr };
}
