import type { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../../observe/logger.ts';
import { frameMllp, MllpFramer, type BrokenFrameReason } from './mllp-framer.ts';

/** Who is on the other end of a connection; passed to the handler with every frame. */
export interface ConnectionInfo {
  /** Sequence number of the connection within its server, for logs and metrics. */
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** True for an MLLP-over-TLS connection. */
  readonly tls: boolean;
  /** Subject of the verified client certificate (`CN=lis01, O=Hospital`), when one was requested and sent. */
  readonly clientCertSubject?: string;
}

/**
 * Handles one frame and returns the payloads to send back, in order (each is framed): usually one ACK, two in
 * enhanced mode (commit and application ACK), none when the sender asked for none. It should never throw; if it
 * does, the connection is closed (the sender resends what it got no ACK for).
 */
export type MllpHandler = (frame: Buffer, info: ConnectionInfo) => Promise<Buffer[]>;

/** What a connection needs from its server. */
export interface ConnectionSettings {
  maxMessageBytes: number;
  idleTimeoutMs: number;
  logger: Logger;
  handler: MllpHandler;
  onOversized?: (head: Buffer, info: ConnectionInfo) => Buffer | undefined;
  onDiscardedBytes?: (bytes: number, info: ConnectionInfo) => void;
  onBrokenFrame?: (reason: BrokenFrameReason, info: ConnectionInfo) => void;
}

/** Work waiting for its turn on one connection. */
type Pending = { kind: 'frame'; payload: Buffer } | { kind: 'oversized'; head: Buffer; total: number };

/** Reading pauses when this much complete, unhandled input waits, so a pipelining sender cannot fill memory. */
const MAX_QUEUED_BYTES = 1024 * 1024;
const MAX_QUEUED_FRAMES = 64;
/** How long a connection we ended may stay open waiting for the peer to close its side. */
const LINGER_MS = 2000;

/**
 * One MLLP connection: frames in, handler calls strictly one at a time and in arrival order, responses out
 * (waiting for `drain` when the socket's write buffer is full). The next frame's handler starts only after the
 * previous frame's responses were written, so ACK order is message order.
 */
export class MllpConnection {
  readonly info: ConnectionInfo;
  readonly #socket: Socket;
  readonly #settings: ConnectionSettings;
  readonly #framer: MllpFramer;
  readonly #queue: Pending[] = [];
  #queuedBytes = 0;
  #busy = false;
  #closing = false;
  #paused = false;
  #peerEnded = false;
  readonly #closed: Promise<void>;

  /**
   * @param socket - The accepted socket (plain or TLS, already handshaken).
   * @param info - Who is connected.
   * @param settings - Limits, logger, handler and hooks.
   */
  constructor(socket: Socket | TLSSocket, info: ConnectionInfo, settings: ConnectionSettings) {
    this.#socket = socket;
    this.info = info;
    this.#settings = settings;
    this.#framer = new MllpFramer({
      maxFrameBytes: settings.maxMessageBytes,
      onFrame: (payload) => this.#enqueue({ kind: 'frame', payload }, payload.length),
      onOversized: (head, total) => this.#enqueue({ kind: 'oversized', head, total }, head.length),
      onDiscarded: (n) => {
        settings.logger.debug({ conn: info.id, bytes: n }, 'mllp bytes outside a frame discarded');
        settings.onDiscardedBytes?.(n, info);
      },
      onBrokenFrame: (reason, bytes) => {
        settings.logger.debug({ conn: info.id, reason, bytes }, 'mllp broken frame');
        settings.onBrokenFrame?.(reason, info);
      },
    });
    this.#closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);
    if (settings.idleTimeoutMs > 0) {
      socket.setTimeout(settings.idleTimeoutMs, () => {
        // A handler running longer than the idle limit is work, not idleness.
        if (this.#busy || this.#queue.length > 0) return;
        settings.logger.debug({ conn: info.id }, 'mllp connection idle, closing');
        socket.destroy();
      });
    }
    socket.on('data', (chunk: Buffer) => {
      if (!this.#closing) this.#framer.push(chunk);
    });
    // The server allows half-open sockets: a sender that sends and then shuts down its side still gets its ACKs.
    socket.on('end', () => {
      this.#peerEnded = true;
      this.#framer.end();
      if (!this.#busy) this.#end();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      settings.logger.debug({ conn: info.id, code: err.code ?? err.name }, 'mllp socket error');
    });
  }

  /** Resolves when the socket has closed. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /**
   * Stops taking frames: the frame being handled (if any) finishes and its responses are written, frames
   * queued behind it are dropped unanswered (the sender resends them), then the connection is ended.
   */
  shutdown(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#socket.pause();
    this.#queue.length = 0;
    this.#queuedBytes = 0;
    if (!this.#busy) this.#end();
  }

  /** Closes at once. */
  destroy(): void {
    this.#closing = true;
    this.#socket.destroy();
  }

  #enqueue(item: Pending, bytes: number): void {
    if (this.#closing) return;
    this.#queue.push(item);
    this.#queuedBytes += bytes;
    if (!this.#paused && (this.#queuedBytes >= MAX_QUEUED_BYTES || this.#queue.length >= MAX_QUEUED_FRAMES)) {
      this.#paused = true;
      this.#socket.pause();
    }
    if (!this.#busy) void this.#pump();
  }

  async #pump(): Promise<void> {
    this.#busy = true;
    try {
      for (let item = this.#queue.shift(); item && !this.#closing; item = this.#queue.shift()) {
        this.#queuedBytes -= item.kind === 'frame' ? item.payload.length : item.head.length;
        if (this.#paused && this.#queue.length === 0) {
          this.#paused = false;
          this.#socket.resume();
        }
        if (item.kind === 'oversized') {
          await this.#answerOversized(item.head, item.total);
          return;
        }
        let responses: Buffer[];
        try {
          responses = await this.#settings.handler(item.payload, this.info);
        } catch (err) {
          const e = err as { name?: string; code?: string };
          this.#settings.logger.error(
            { conn: this.info.id, err: { name: e?.name, code: e?.code } },
            'mllp handler failed; closing the connection',
          );
          this.destroy();
          return;
        }
        for (const r of responses) await this.#write(frameMllp(r));
      }
    } finally {
      this.#busy = false;
      if ((this.#closing || (this.#peerEnded && this.#queue.length === 0)) && !this.#socket.destroyed) this.#end();
    }
  }

  async #answerOversized(head: Buffer, total: number): Promise<void> {
    this.#settings.logger.warn(
      { conn: this.info.id, bytes: total, limit: this.#settings.maxMessageBytes },
      'mllp frame over the size limit; rejecting and closing',
    );
    let reject: Buffer | undefined;
    try {
      reject = this.#settings.onOversized?.(head, this.info);
    } catch (err) {
      this.#settings.logger.error(
        { conn: this.info.id, err: { name: (err as Error)?.name } },
        'mllp oversize hook failed',
      );
    }
    if (reject) await this.#write(frameMllp(reject));
    this.#closing = true;
    this.#queue.length = 0;
  }

  /** Writes and, when the socket's buffer is full, waits for it to drain (or for the socket to close). */
  async #write(bytes: Buffer): Promise<void> {
    const socket = this.#socket;
    if (socket.destroyed || !socket.writable) return;
    if (socket.write(bytes)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  }

  #end(): void {
    const socket = this.#socket;
    if (socket.destroyed) return;
    socket.end();
    // The peer normally closes its side at once; one that does not is cut off.
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  }
}
