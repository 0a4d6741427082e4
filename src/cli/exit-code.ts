/** Exit codes of every command. */
export const ExitCode = {
  /** Everything converted / passed. */
  Ok: 0,
  /** The command ran and found failures: a message that did not convert, a failing case, invalid mappings. */
  Failed: 1,
  /** The command could not run: bad usage, unreadable input, configuration that does not load. */
  Usage: 2,
} as const;
/** One of {@link ExitCode}. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
