import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');

/** A `studybridge serve` child process, for benchmarks that must not share a core with their load generator. */
export interface ServeProcess {
  child: ChildProcess;
  mllpPort: number;
  httpUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts `serve` with the given extra environment (ports 0) and waits for its banner.
 * @returns The process and where it listens.
 */
export async function startServeProcess(env: Record<string, string>): Promise<ServeProcess> {
  const child = spawn(path.join(ROOT, 'node_modules/.bin/node'), ['src/cli/main.ts', 'serve'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      STUDYBRIDGE_MLLP_PORT: '0',
      STUDYBRIDGE_HTTP_PORT: '0',
      STUDYBRIDGE_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const banner = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('studybridge is running')) resolve(text);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${text}`)));
  });
  const mllp = /MLLP [^:]+:(\d+)/.exec(banner);
  const http = /HTTP (http:\/\/\S+)/.exec(banner);
  if (!mllp || !http) throw new Error(`unexpected banner: ${banner}`);
  return {
    child,
    mllpPort: Number(mllp[1]),
    httpUrl: http[1]!,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
