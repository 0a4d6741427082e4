import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';

/** studybridge's structured logger (pino). Log records never carry patient data: ids, counts, codes only. */
export type Logger = PinoLogger;

/**
 * Fields that could carry patient data if someone logged a whole object by mistake; pino replaces them with
 * `[Redacted]`. The rule is still: do not log message contents at all.
 */
const REDACT_PATHS = ['raw', 'bundle', 'message', 'body', 'resource', 'patient', '*.raw', '*.bundle', '*.body'];

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** pino level: fatal, error, warn, info, debug, trace, silent. Default `info`. */
  level?: string;
  /** Where to write (default stdout). */
  destination?: DestinationStream;
}

/** @returns A JSON logger writing to stdout (or `destination`). */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      name: 'studybridge',
      level: options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
      base: { pid: process.pid },
    },
    options.destination,
  );
}

/** @returns A logger that writes nothing (for tests and tools). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
