import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MAIN, NODE, ROOT } from './paths.ts';

/** Options of {@link ServiceProcess.start}. */
export interface ServiceProcessOptions {
  /** `STUDYBRIDGE_*` settings on top of the test defaults (ports 0, a temp data dir, log level info). */
  env?: Record<string, string>;
  /** Data directory to use; default a new one under the OS temp dir (removed by {@link ServiceProcess.cleanup}). */
  dataDir?: string;
  /** How long to wait for the banner. Default 30 s. */
  startTimeoutMs?: number;
}

/** How a `serve` child ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const BANNER = /studybridge is running: (?:MLLP ([^\s,]+):(\d+), )?HTTP (http:\/\/\S+) \(FHIR: ([^)]+)\), data in (.+)/;

/** The environment a child gets: the parent's minus any `STUDYBRIDGE_*` (the config refuses unknown ones). */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('STUDYBRIDGE_')) env[k] = v;
  return { ...env, ...extra };
}

/**
 * Runs `studybridge serve` once and collects everything it prints, without waiting for a banner (for
 * configurations that must be refused).
 */
export async function runServeToExit(
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<Exit & { stdout: string; stderr: string }> {
  const child = spawn(NODE, [MAIN, 'serve'], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exit = await exitOf(child);
  clearTimeout(timer);
  return { ...exit, stdout, stderr };
}

function exitOf(child: ChildProcess): Promise<Exit> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/** A `studybridge serve` child process on ports 0, with its addresses read from the start banner. */
export class ServiceProcess {
  readonly dataDir: string;
  readonly env: Record<string, string>;
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exit>;
  mllpPort = 0;
  url = '';
  fhirUrl = '';
  /** Everything printed on stdout (the JSON log) and stderr so far. */
  stdout = '';
  stderr = '';
  readonly #ownsDataDir: boolean;

  private constructor(options: ServiceProcessOptions) {
    this.#ownsDataDir = options.dataDir === undefined;
    this.dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'studybridge-it-'));
    this.env = {
      STUDYBRIDGE_MLLP_PORT: '0',
      STUDYBRIDGE_HTTP_PORT: '0',
      STUDYBRIDGE_LOG_LEVEL: 'info',
      // These tests count messages and requests of their own; the study definitions' Bundle has a test of its own.
      STUDYBRIDGE_PUBLISH_STUDIES: 'false',
      ...options.env,
      STUDYBRIDGE_DATA_DIR: this.dataDir,
    };
    this.child = spawn(NODE, [MAIN, 'serve'], {
      cwd: ROOT,
      env: childEnv(this.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (s: string) => (this.stdout += s));
    this.child.stderr!.setEncoding('utf8').on('data', (s: string) => (this.stderr += s));
    this.exited = exitOf(this.child);
  }

  /** Starts `serve` and waits for its banner. The process is killed if it does not come up. */
  static async start(options: ServiceProcessOptions = {}): Promise<ServiceProcess> {
    const service = new ServiceProcess(options);
    try {
      await service.#ready(options.startTimeoutMs ?? 30_000);
    } catch (err) {
      await service.stop();
      if (service.#ownsDataDir) rmSync(service.dataDir, { recursive: true, force: true });
      throw err;
    }
    return service;
  }

  /** The exit code (null when killed by a signal). */
  get exitCode(): Promise<number | null> {
    return this.exited.then((e) => e.code);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends a signal (SIGTERM for a graceful stop, SIGKILL for a crash). */
  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** Kills the process if it still runs (SIGKILL) and waits for it to be gone. */
  async stop(): Promise<void> {
    this.kill('SIGKILL');
    await this.exited;
  }

  /** Starts a new `serve` on the same data directory and settings (after this one exited or was killed). */
  async restart(): Promise<ServiceProcess> {
    await this.stop();
    const { STUDYBRIDGE_DATA_DIR: _dir, ...env } = this.env;
    return ServiceProcess.start({ env, dataDir: this.dataDir });
  }

  /** Stops the process and removes its data directory. */
  async cleanup(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** The stdout log as parsed JSON records (lines that are not JSON are skipped). */
  logRecords(): Array<Record<string, unknown>> {
    return this.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  }

  async #ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const m = BANNER.exec(this.stderr);
      if (m) {
        this.mllpPort = m[2] ? Number(m[2]) : 0;
        this.url = m[3]!;
        this.fhirUrl = m[4]!;
        return;
      }
      if (!this.running) {
        throw new Error(`serve exited before it was ready (code ${this.child.exitCode}): ${this.stderr.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`serve printed no banner within ${timeoutMs} ms: ${this.stderr.trim()}`);
  }
}
