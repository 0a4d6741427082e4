import { describe, expect, it } from 'vitest';
import type { ServiceConfig } from '../../config/config-types.ts';
import { ErrorCode } from '../../errors/error-codes.ts';
import { adapterErrorFromIssues, issue, IssueType } from '../../errors/outcomes.ts';
import { silentLogger } from '../../observe/logger.ts';
import { Metrics } from '../../observe/metrics.ts';
import type { RunningService } from '../../service/start-service.ts';
import type { SqliteMessageStore } from '../../store/sqlite-message-store.ts';
import { runCli } from '../program.ts';
import { fakeStages, memoryIo } from '../test-support.ts';
import { runServe } from './serve.ts';

/** A stop signal the test fires. */
function signal() {
  let fire!: (name: string) => void;
  const promise = new Promise<string>((resolve) => (fire = resolve));
  return { promise, fire };
}

/** A fake running service recording its stop calls; `stop` resolves unless `hang`. */
function fakeService(options: { hang?: boolean; mllp?: boolean } = {}) {
  const calls = { stop: 0 };
  const service: RunningService = {
    ...(options.mllp === false ? {} : { mllp: { host: '127.0.0.1', port: 40001 } }),
    http: { host: '127.0.0.1', port: 40002 },
    url: 'http://127.0.0.1:40002',
    target: 'embedded',
    metrics: new Metrics(),
    store: {} as SqliteMessageStore,
    notify: () => {},
    stop: () => {
      calls.stop++;
      return options.hang ? new Promise<void>(() => {}) : Promise.resolve();
    },
  };
  return { service, calls };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('studybridge serve', () => {
  it('When the environment is bad, then every problem of it is listed and the exit code is 2', async () => {
    const io = memoryIo();
    const code = await runCli(['serve'], {
      io,
      env: { STUDYBRIDGE_MLLP_PORT: 'abc', STUDYBRIDGE_LOG_LEVEL: 'loud' },
      stages: fakeStages({}),
      stopSignal: () => new Promise(() => {}),
    });
    expect(code).toBe(2);
    expect(io.err()).toContain('cannot load the configuration (config.invalid), 2 problems:');
    expect(io.err()).toContain('env:STUDYBRIDGE_MLLP_PORT: must be an integer, got "abc"');
    expect(io.err()).toContain('env:STUDYBRIDGE_LOG_LEVEL');
  });

  it('When the HTTP host is not loopback and there is no token, then the exit code is 2 naming the token', async () => {
    const io = memoryIo();
    const code = await runCli(['serve'], {
      io,
      env: { STUDYBRIDGE_HTTP_HOST: '0.0.0.0' },
      stages: fakeStages({}),
      stopSignal: () => new Promise(() => {}),
    });
    expect(code).toBe(2);
    expect(io.err()).toContain('env:STUDYBRIDGE_API_TOKEN: http.host 0.0.0.0 is not loopback');
  });

  it('When the port is not a number and the host needs a token, then both problems are listed at once', async () => {
    const io = memoryIo();
    const env = { STUDYBRIDGE_MLLP_PORT: 'abc', STUDYBRIDGE_HTTP_HOST: '0.0.0.0' };
    const code = await runCli(['serve'], { io, env, stages: fakeStages({}), stopSignal: () => new Promise(() => {}) });
    expect(code).toBe(2);
    expect(io.err()).toContain('env:STUDYBRIDGE_MLLP_PORT: must be an integer, got "abc"');
    expect(io.err()).toContain('env:STUDYBRIDGE_API_TOKEN: http.host 0.0.0.0 is not loopback');
  });

  it('When the service starts, then the banner is printed, and on the stop signal it is stopped with exit 0', async () => {
    const io = memoryIo();
    const stop = signal();
    const { service, calls } = fakeService();
    const seen: ServiceConfig[] = [];
    const running = runServe({ mappingsDir: 'my-mappings' }, io, {
      env: { STUDYBRIDGE_DATA_DIR: '/srv/sb-data' },
      stopSignal: stop.promise,
      logger: silentLogger(),
      start: async (config) => (seen.push(config), service),
    });
    await tick();
    expect(io.err()).toBe(
      'studybridge is running: MLLP 127.0.0.1:40001, HTTP http://127.0.0.1:40002 (FHIR: http://127.0.0.1:40002/fhir), data in /srv/sb-data\n',
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]!.mappingsDir).toBe('my-mappings');
    expect(seen[0]!.profilesDir).toBe('./profiles');
    expect(calls.stop).toBe(0);
    let settled = false;
    void running.then(() => (settled = true));
    await tick();
    expect(settled).toBe(false);

    stop.fire('SIGTERM');
    expect(await running).toBe(0);
    expect(calls.stop).toBe(1);
  });

  it('When delivering to an external server without MLLP, then the banner names that server and no MLLP', async () => {
    const io = memoryIo();
    const { service } = fakeService({ mllp: false });
    service.target = 'https://fhir.example.org/r4';
    const code = await runServe({}, io, {
      env: { STUDYBRIDGE_DATA_DIR: '/srv/x' },
      stopSignal: Promise.resolve('SIGINT'),
      logger: silentLogger(),
      start: async () => service,
    });
    expect(code).toBe(0);
    expect(io.err()).toBe(
      'studybridge is running: HTTP http://127.0.0.1:40002 (FHIR: https://fhir.example.org/r4), data in /srv/x\n',
    );
  });

  it('When stop never finishes, then the exit code is 1 once the grace period has run out', async () => {
    const io = memoryIo();
    const { service, calls } = fakeService({ hang: true });
    const started = Date.now();
    const code = await runServe({}, io, {
      env: { STUDYBRIDGE_SHUTDOWN_GRACE_MS: '50' },
      stopSignal: Promise.resolve('SIGTERM'),
      logger: silentLogger(),
      start: async () => service,
    });
    expect(code).toBe(1);
    expect(calls.stop).toBe(1);
    // The grace period plus the second of slack the stop is given.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('When the service cannot start, then why is printed and the exit code is 2', async () => {
    const io = memoryIo();
    const error = adapterErrorFromIssues(ErrorCode.MappingInvalid, [
      issue('error', IssueType.Invalid, 'unknown unit', { file: 'mappings/codes/a.yaml:/rows/3/unit' }),
    ]);
    const code = await runServe({}, io, {
      env: {},
      stopSignal: new Promise(() => {}),
      logger: silentLogger(),
      start: async () => {
        throw error;
      },
    });
    expect(code).toBe(2);
    expect(io.err()).toContain('cannot load the service (mapping.invalid), 1 problem:');
    expect(io.err()).toContain('mappings/codes/a.yaml: /rows/3/unit: unknown unit');
  });
});
