import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config/load-config.ts';
import { silentLogger, type Logger } from '../../../src/observe/logger.ts';
import { startService, type RunningService } from '../../../src/service/start-service.ts';
import { MAPPINGS_DIR, PROFILES_DIR } from './paths.ts';

/** A service started in this process, on ports 0 with a temp data dir. */
export interface InProcessService {
  service: RunningService;
  dataDir: string;
  /** Stops the service and removes the data dir (idempotent). */
  close(): Promise<void>;
}

/**
 * Starts the service in-process with the configuration `serve` would build from these `STUDYBRIDGE_*` variables
 * (ports 0, a temp data dir, the repository's mappings and profiles unless given).
 */
export async function startInProcess(
  env: Record<string, string> = {},
  logger: Logger = silentLogger(),
): Promise<InProcessService> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'studybridge-it-'));
  const config = loadConfig({
    env: {
      STUDYBRIDGE_MLLP_PORT: '0',
      STUDYBRIDGE_HTTP_PORT: '0',
      STUDYBRIDGE_MAPPINGS_DIR: MAPPINGS_DIR,
      STUDYBRIDGE_PROFILES_DIR: PROFILES_DIR,
      STUDYBRIDGE_DATA_DIR: dataDir,
      // These tests count messages and requests of their own; the study definitions' Bundle has a test of its own.
      STUDYBRIDGE_PUBLISH_STUDIES: 'false',
      ...env,
    },
  });
  let service: RunningService;
  try {
    service = await startService(config, logger);
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    service,
    dataDir,
    close: () => (closing ??= service.stop().finally(() => rmSync(dataDir, { recursive: true, force: true }))),
  };
}
