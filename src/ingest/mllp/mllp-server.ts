import type { Buffer } from 'node:buffer';
import net, { type AddressInfo, type Server, type Socket } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import type { Logger } from '../../observe/logger.ts';
import { MllpConnection, type ConnectionInfo, type MllpHandler } from './mllp-connection.ts';
import type { BrokenFrameReason } from './mllp-framer.ts';

export type { ConnectionInfo, MllpHandler } from './mllp-connection.ts';

/** Default of {@link MllpServerOptions.maxMessageBytes}: 16 MiB, the parser's own limit. */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/**
 * Default of {@link MllpServerOptions.idleTimeoutMs}: 5 minutes. LIS senders commonly keep one connection open
 * and reconnect when it drops, so closing a silent connection costs them a reconnect, while keeping thousands of
 * forgotten ones costs us sockets.
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60 * 1000;
/** Default of `stop(graceMs)`. */
export const DEFAULT_STOP_GRACE_MS = 10_000;

/** MLLP over TLS. Certificates and keys are PEM. */
export interface MllpTlsOptions {
  cert: string | Buffer;
  key: string | Buffer;
  /** CA certificate(s) client certificates must be signed by (with `requestCert`). */
  ca?: string | Buffer | (string | Buffer)[];
  /** Ask for a client certificate and refuse clients whose certificate is missing or not signed by `ca`. */
  requestCert?: boolean;
}

/** Options of {@link MllpServer}. */
export interface MllpServerOptions {
  /** Interface to bind. Default `127.0.0.1` (only this machine); use `0.0.0.0` or `::` to accept others. */
  host?: string;
  /** Port; 0 (the default) picks a free one, reported by `start()`. */
  port?: number;
  /** Largest message accepted; larger frames go to `onOversized` and the connection is closed. */
  maxMessageBytes?: number;
  /** Close a connection after this long without traffic; 0 disables. Default {@link DEFAULT_IDLE_TIMEOUT_MS}. */
  idleTimeoutMs?: number;
  /** Refuse connections beyond this many open ones (they are closed on accept). Default: no limit. */
  maxConnections?: number;
  /** Serve MLLP over TLS. */
  tls?: MllpTlsOptions;
  logger: Logger;
  /** Answers each frame; see {@link MllpHandler}. */
  handler: MllpHandler;
  /**
   * Builds the reject sent for a frame over the size limit, from its first kilobytes (enough for MSH); the
   * connection is closed after it. Return undefined to close without answering.
   */
  onOversized?: (head: Buffer, info: ConnectionInfo) => Buffer | undefined;
  /** Metrics hook: bytes found outside any frame were discarded. */
  onDiscardedBytes?: (bytes: number, info: ConnectionInfo) => void;
  /** Metrics hook: a frame was dropped or ended irregularly. */
  onBrokenFrame?: (reason: BrokenFrameReason, info: ConnectionInfo) => void;
  /** Metrics hook: the number of open connections changed. */
  onConnectionsChanged?: (count: number) => void;
}

/** Formats a certificate subject as `CN=x, O=y`. */
function subjectText(subject: Record<string, string | string[]> | undefined): string | undefined {
  if (!subject) return undefined;
  const parts = Object.entries(subject).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`);
  return parts.length ? parts.join(', ') : undefined;
}

/**
 * The MLLP listener: accepts TCP (or TLS) connections, cuts the byte stream into frames and hands each to the
 * handler, answering with what it returns. Frames of one connection are handled one at a time in arrival order;
 * connections are independent of one another. Nothing a sender does (garbage, huge frames, slowness, resets)
 * can crash the listener or grow memory without bound.
 */
export class MllpServer {
  readonly #options: MllpServerOptions;
  readonly #connections = new Set<MllpConnection>();
  /** Every accepted TCP socket, TLS handshakes in progress included (those are not connections yet). */
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #nextId = 1;
  #stopping: Promise<void> | undefined;

  /** @param options - Where to listen, limits, TLS, and the handler. */
  constructor(options: MllpServerOptions) {
    this.#options = options;
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /**
   * Starts listening.
   * @returns The bound address (the real port when 0 was asked for).
   * @throws Error from `listen` (e.g. EADDRINUSE).
   */
  async start(): Promise<{ host: string; port: number }> {
    if (this.#server) throw new Error('MllpServer already started');
    const o = this.#options;
    const server: Server = o.tls
      ? tls.createServer(
          {
            cert: o.tls.cert,
            key: o.tls.key,
            ca: o.tls.ca,
            requestCert: o.tls.requestCert ?? false,
            rejectUnauthorized: o.tls.requestCert ?? false,
            allowHalfOpen: true,
          },
          (socket) => this.#accept(socket),
        )
      : net.createServer({ allowHalfOpen: true }, (socket) => this.#accept(socket));
    if (o.maxConnections !== undefined) server.maxConnections = o.maxConnections;
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    server.on('drop', (data) => {
      o.logger.warn({ remoteAddress: data?.remoteAddress, limit: o.maxConnections }, 'mllp connection refused: limit');
    });
    server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
      o.logger.info({ remoteAddress: socket.remoteAddress, code: err.code ?? err.name }, 'mllp TLS handshake failed');
    });
    server.on('error', (err: NodeJS.ErrnoException) => {
      o.logger.error({ code: err.code ?? err.name }, 'mllp server error');
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: o.host ?? '127.0.0.1', port: o.port ?? 0 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address() as AddressInfo;
    o.logger.info({ host: addr.address, port: addr.port, tls: !!o.tls }, 'mllp listening');
    return { host: addr.address, port: addr.port };
  }

  /**
   * Stops: no new connections; each connection finishes the frame it is handling and writes its responses,
   * then is closed; connections still open after `graceMs` are cut off. Calling it again returns the same promise.
   * @param graceMs - How long in-flight handlers get. Default {@link DEFAULT_STOP_GRACE_MS}.
   */
  stop(graceMs = DEFAULT_STOP_GRACE_MS): Promise<void> {
    this.#stopping ??= this.#stop(graceMs);
    return this.#stopping;
  }

  async #stop(graceMs: number): Promise<void> {
    const server = this.#server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const c of this.#connections) c.shutdown();
    const all = Promise.all([...this.#connections].map((c) => c.closed));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), graceMs);
    });
    const late = await Promise.race([all.then(() => false), timedOut]);
    clearTimeout(timer);
    if (late) {
      this.#options.logger.warn({ open: this.#connections.size }, 'mllp stop: grace period over, closing connections');
      for (const c of this.#connections) c.destroy();
    }
    // Sockets still open here never became connections (TLS handshake unfinished); the server cannot close
    // while they exist.
    for (const socket of this.#sockets) socket.destroy();
    await closed;
    this.#options.logger.info('mllp stopped');
  }

  #accept(socket: Socket | TLSSocket): void {
    const o = this.#options;
    if (this.#stopping) {
      socket.destroy();
      return;
    }
    const isTls = 'encrypted' in socket && socket.encrypted === true;
    const subject = isTls ? subjectText((socket as TLSSocket).getPeerCertificate()?.subject as never) : undefined;
    const info: ConnectionInfo = Object.freeze({
      id: this.#nextId++,
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      tls: isTls,
      ...(subject ? { clientCertSubject: subject } : {}),
    });
    const conn = new MllpConnection(socket, info, {
      maxMessageBytes: o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      idleTimeoutMs: o.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      logger: o.logger,
      handler: o.handler,
      onOversized: o.onOversized,
      onDiscardedBytes: o.onDiscardedBytes,
      onBrokenFrame: o.onBrokenFrame,
    });
    this.#connections.add(conn);
    o.logger.debug({ conn: info.id, remoteAddress: info.remoteAddress, tls: info.tls }, 'mllp connection opened');
    o.onConnectionsChanged?.(this.#connections.size);
    void conn.closed.then(() => {
      this.#connections.delete(conn);
      o.logger.debug({ conn: info.id }, 'mllp connection closed');
      o.onConnectionsChanged?.(this.#connections.size);
    });
  }
}
