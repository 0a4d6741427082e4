import { Buffer } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { afterEach } from 'vitest';
import { silentLogger } from '../../observe/logger.ts';
import { MllpClient } from './mllp-client.ts';
import { MllpServer, type MllpServerOptions } from './mllp-server.ts';

/** A message of about `bytes` bytes with control ID `id` (synthetic, no real data). */
export function testMessage(id: string, bytes = 200): string {
  const head = `MSH|^~\\&|LIS|LAB|SB|SITE|20260101120000||ORU^R01^ORU_R01|${id}|P|2.5.1\rPID|1||S-${id}\r`;
  return head + `NTE|1||${'x'.repeat(Math.max(0, bytes - head.length - 9))}\r`;
}

/** Reads MSH-10 from a frame the way a test handler may (no parser needed for our synthetic messages). */
export function controlIdOf(frame: Buffer): string {
  return frame.toString('latin1').split('\r')[0]?.split('|')[9] ?? '';
}

/** The test handler's answer: `ACK|<MSH-10>` (or `ACK|?` for a frame without MSH). */
export function echoAck(frame: Buffer): Buffer[] {
  return [Buffer.from(`ACK|${controlIdOf(frame) || '?'}`)];
}

/** Starts a server on 127.0.0.1, port 0, with a silent logger and the echo handler unless overridden. */
export async function startTestServer(
  options: Partial<MllpServerOptions> = {},
): Promise<{ server: MllpServer; port: number }> {
  const server = new MllpServer({
    logger: silentLogger(),
    handler: async (frame) => echoAck(frame),
    ...options,
  });
  const { port } = await server.start();
  return { server, port };
}

/**
 * Servers, clients and raw sockets for one test file, all closed after each test (registers the `afterEach`).
 * @returns `setup` starts a test server and gives a `connect` for clients of it; `rawConnect` opens a plain socket.
 */
export function useTestServers(): {
  setup: (options?: Partial<MllpServerOptions>) => Promise<{
    server: MllpServer;
    port: number;
    connect: () => Promise<MllpClient>;
  }>;
  rawConnect: (port: number) => Promise<net.Socket>;
} {
  const servers: MllpServer[] = [];
  const clients: MllpClient[] = [];
  const sockets: net.Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
    await Promise.all(servers.splice(0).map((s) => s.stop(100)));
  });
  return {
    async setup(options = {}) {
      const s = await startTestServer(options);
      servers.push(s.server);
      const connect = async (): Promise<MllpClient> => {
        const c = await MllpClient.connect({ host: '127.0.0.1', port: s.port });
        clients.push(c);
        return c;
      };
      return { ...s, connect };
    },
    rawConnect(port) {
      return new Promise((resolve, reject) => {
        const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
        s.on('error', reject);
        sockets.push(s);
      });
    },
  };
}

/** Waits `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` is true, polling, or fails after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}

/** PEM material made by {@link makeTestCertificates}. Test-only: generated per run, never stored. */
export interface TestCertificates {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate signed by a different CA. */
  strangerCert: string;
  strangerKey: string;
}

/**
 * Generates a throw-away CA, a server certificate for localhost/127.0.0.1 and two client certificates (one from
 * the CA, one from a stranger CA) with the `openssl` command line.
 * @returns The PEM texts.
 */
export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(path.join(tmpdir(), 'mllp-certs-'));
  const f = (name: string): string => path.join(dir, name);
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: 'ignore' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2'];
  try {
    ssl('req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-subj', '/CN=Test CA');
    ssl('req', '-x509', ...ec, '-keyout', f('other-ca.key'), '-out', f('other-ca.pem'), '-subj', '/CN=Other CA');
    writeFileSync(f('san.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    const issue = (name: string, subject: string, ca: string, ext?: string): void => {
      ssl('req', '-new', ...ec.slice(0, 5), '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', subject);
      ssl(
        'x509',
        '-req',
        '-in',
        f(`${name}.csr`),
        '-CA',
        f(`${ca}.pem`),
        '-CAkey',
        f(`${ca}.key`),
        '-CAcreateserial',
        '-days',
        '2',
        '-out',
        f(`${name}.pem`),
        ...(ext ? ['-extfile', ext] : []),
      );
    };
    issue('server', '/CN=localhost', 'ca', f('san.cnf'));
    issue('client', '/CN=lis01/O=Test Hospital', 'ca');
    issue('stranger', '/CN=intruder', 'other-ca');
    const read = (name: string): string => readFileSync(f(name), 'utf8');
    return {
      caCert: read('ca.pem'),
      serverCert: read('server.pem'),
      serverKey: read('server.key'),
      clientCert: read('client.pem'),
      clientKey: read('client.key'),
      strangerCert: read('stranger.pem'),
      strangerKey: read('stranger.key'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
