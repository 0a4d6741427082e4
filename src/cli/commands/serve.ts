import type { ServiceConfig } from '../../config/config-types.ts';
import { loadConfig } from '../../config/load-config.ts';
import { createLogger, type Logger } from '../../observe/logger.ts';
import type { RunningService } from '../../service/start-service.ts';
import { ExitCode } from '../exit-code.ts';
import type { CliIo } from '../io.ts';
import { describeLoadError } from '../load-errors.ts';

/** Options of `serve` beyond the environment. */
export interface ServeOptions {
  /** Config file (else `$STUDYBRIDGE_CONFIG`). */
  config?: string;
  /** Set only when given on the command line; they win over the environment and the file. */
  mappingsDir?: string;
  profilesDir?: string;
}

/** What `serve` needs from its surroundings; tests pass fakes. */
export interface ServeDeps {
  env: Readonly<Record<string, string | undefined>>;
  /** Resolves when the process is asked to stop (SIGTERM or SIGINT). */
  stopSignal: Promise<string>;
  start?: (config: ServiceConfig, logger: Logger) => Promise<RunningService>;
  logger?: Logger;
}

/**
 * Runs the service until SIGTERM/SIGINT, then stops it gracefully within the configured grace period.
 * @returns 0 after a clean stop; 2 when the configuration, mappings or a port are not usable; 1 when the stop
 *   overran the grace period.
 */
export async function runServe(options: ServeOptions, io: CliIo, deps: ServeDeps): Promise<ExitCode> {
  let config: ServiceConfig;
  try {
    config = loadConfig({ env: deps.env, ...(options.config ? { file: options.config } : {}) });
  } catch (err) {
    io.stderr.write(describeLoadError('the configuration', err).join('\n') + '\n');
    return ExitCode.Usage;
  }
  if (options.mappingsDir) config.mappingsDir = options.mappingsDir;
  if (options.profilesDir) config.profilesDir = options.profilesDir;
  const logger = deps.logger ?? createLogger({ level: config.logLevel });
  const start = deps.start ?? (await import('../../service/start-service.ts')).startService;

  let service: RunningService;
  try {
    service = await start(config, logger);
  } catch (err) {
    io.stderr.write(describeLoadError('the service', err).join('\n') + '\n');
    return ExitCode.Usage;
  }
  const mllp = service.mllp ? `MLLP ${service.mllp.host}:${service.mllp.port}, ` : '';
  io.stderr.write(
    `studybridge is running: ${mllp}HTTP ${service.url} (FHIR: ${service.target === 'embedded' ? `${service.url}/fhir` : service.target}), data in ${config.dataDir}\n`,
  );
  logger.info(
    { mllpPort: service.mllp?.port, httpPort: service.http.port, target: service.target },
    'studybridge started',
  );

  const signal = await deps.stopSignal;
  logger.info({ signal }, 'stopping');
  const overran = Symbol('overran');
  const timer = new Promise<typeof overran>((resolve) =>
    setTimeout(() => resolve(overran), config.shutdownGraceMs + 1000).unref(),
  );
  const result = await Promise.race([service.stop().then(() => 'stopped' as const), timer]);
  if (result === overran) {
    logger.error({ graceMs: config.shutdownGraceMs }, 'stop overran the grace period');
    return ExitCode.Failed;
  }
  logger.info('stopped');
  logger.flush();
  return ExitCode.Ok;
}

/** @returns A promise resolved by the first SIGTERM or SIGINT the process receives. */
export function processStopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string): void => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}
