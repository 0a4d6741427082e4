import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../../integration/support/paths.ts';

const SERVER_DIR = path.join(ROOT, 'test', 'fhir-server');

/** Options of {@link HapiServer.start}. */
export interface HapiServerOptions {
  /** Keep the data in an H2 file in this directory, so it survives a restart; default H2 in memory. */
  dataDir?: string;
  /** Port to listen on; default a free one. A restart keeps the port so clients need no new address. */
  port?: number;
  /** How long to wait for `/fhir/metadata`. Default 240 s (a cold JVM on two cores takes a while). */
  startTimeoutMs?: number;
}

/**
 * Builds the test server's jar when it is missing or stale (Maven; the first build downloads HAPI's
 * dependencies).
 * @returns The jar's path.
 * @throws Error with Maven's output when the build fails.
 */
export function buildHapi(): string {
  const started = Date.now();
  const run = spawnSync('bash', [path.join(SERVER_DIR, 'build.sh')], { cwd: SERVER_DIR, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`HAPI test server build failed:\n${run.stdout}\n${run.stderr}`);
  const jar = run.stdout.trim().split('\n').at(-1) ?? '';
  process.stderr.write(`HAPI test server jar ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${jar}\n`);
  return jar;
}

/** @returns A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** A HAPI FHIR JPA server (our test build) in a child JVM on 127.0.0.1. */
export class HapiServer {
  readonly jar: string;
  readonly port: number;
  readonly dataDir: string | undefined;
  readonly baseUrl: string;
  /** How long the last start took until `/fhir/metadata` answered, in ms. */
  startupMs = 0;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #log = '';

  private constructor(jar: string, port: number, dataDir: string | undefined) {
    this.jar = jar;
    this.port = port;
    this.dataDir = dataDir;
    this.baseUrl = `http://127.0.0.1:${port}/fhir`;
  }

  /** Starts a server and waits until it answers `/fhir/metadata`. */
  static async start(jar: string, options: HapiServerOptions = {}): Promise<HapiServer> {
    const server = new HapiServer(jar, options.port ?? (await freePort()), options.dataDir);
    await server.#launch(options.startTimeoutMs ?? 240_000);
    return server;
  }

  /** A new temporary directory for {@link HapiServerOptions.dataDir}. */
  static tempDataDir(): string {
    return mkdtempSync(path.join(tmpdir(), 'sb-hapi-'));
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** What the JVM printed (for failure messages). */
  get log(): string {
    return this.#log;
  }

  /** Stops the JVM (SIGTERM, then SIGKILL after 20 s) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await this.#exited;
    clearTimeout(timer);
  }

  /** Starts the JVM again on the same port and data (after {@link stop}). */
  async restart(startTimeoutMs = 240_000): Promise<void> {
    await this.stop();
    await this.#launch(startTimeoutMs);
  }

  /** Stops the server and removes its data directory. */
  async cleanup(): Promise<void> {
    await this.stop();
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }

  async #launch(timeoutMs: number): Promise<void> {
    // Serial GC and the C1 compiler only: a quicker start and less memory on a small CI machine; tests need no
    // peak speed.
    const args = [
      '-Xms256m',
      '-Xmx1536m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-jar',
      this.jar,
      `--server.port=${this.port}`,
      '--server.address=127.0.0.1',
    ];
    if (this.dataDir) args.push(`--spring.datasource.url=jdbc:h2:file:${path.join(this.dataDir, 'hapi')}`);
    const started = Date.now();
    const child = spawn('java', args, { cwd: SERVER_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.#log = '';
    const keep = (s: string): void => {
      // Keep the tail only: a long run can print a lot.
      this.#log = (this.#log + s).slice(-20_000);
    };
    child.stdout.setEncoding('utf8').on('data', keep);
    child.stderr.setEncoding('utf8').on('data', keep);
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    while (Date.now() - started < timeoutMs) {
      if (!this.running) throw new Error(`HAPI exited while starting:\n${this.#log}`);
      try {
        const res = await fetch(`${this.baseUrl}/metadata`, { signal: AbortSignal.timeout(5000) });
        if (res.ok) {
          this.startupMs = Date.now() - started;
          return;
        }
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    await this.stop();
    throw new Error(`HAPI did not answer /fhir/metadata within ${timeoutMs} ms:\n${this.#log}`);
  }
}
