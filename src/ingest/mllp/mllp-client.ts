import { Buffer } from 'node:buffer';
import net, { type Socket } from 'node:net';
import tls from 'node:tls';
import { frameMllp, MllpFramer } from './mllp-framer.ts';

/** TLS settings of {@link MllpClient}; PEM strings or buffers. */
export interface MllpClientTlsOptions {
  /** CA that signed the server's certificate (a self-signed server certificate is its own CA). */
  ca?: string | Buffer;
  /** Client certificate and key, for servers that ask for one. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Name the server certificate must hold; default `localhost`. */
  servername?: string;
}

/** Options of {@link MllpClient.connect}. */
export interface MllpClientOptions {
  host: string;
  port: number;
  tls?: MllpClientTlsOptions;
  /** Largest response accepted. Default 16 MiB. */
  maxFrameBytes?: number;
}

interface Waiter {
  resolve: (frame: Buffer) => void;
  reject: (err: Error) => void;
}

/**
 * A small MLLP client for tests, benchmarks and tools: `send` writes one framed message and resolves with the
 * next frame the server sends back. Several sends may be in flight at once (pipelining); responses are matched
 * to them in order, as an MLLP server answers in order.
 */
export class MllpClient {
  readonly #socket: Socket;
  readonly #frames: Buffer[] = [];
  readonly #waiters: Waiter[] = [];
  #error: Error | undefined;
  readonly #closed: Promise<void>;

  private constructor(socket: Socket, maxFrameBytes: number) {
    this.#socket = socket;
    const framer = new MllpFramer({
      maxFrameBytes,
      onFrame: (frame) => {
        const waiter = this.#waiters.shift();
        if (waiter) waiter.resolve(frame);
        else this.#frames.push(frame);
      },
      onOversized: () => this.#fail(new Error('MLLP response over the size limit')),
    });
    socket.on('data', (chunk: Buffer) => framer.push(chunk));
    socket.on('error', (err) => this.#fail(err));
    this.#closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.#fail(new Error('MLLP connection closed'));
        resolve();
      }),
    );
  }

  /**
   * Connects (and completes the TLS handshake when `tls` is given).
   * @param options - Where to connect, TLS.
   * @returns The connected client.
   * @throws Error when the connection or handshake fails.
   */
  static async connect(options: MllpClientOptions): Promise<MllpClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = options.tls
        ? tls.connect(
            {
              host: options.host,
              port: options.port,
              ca: options.tls.ca,
              cert: options.tls.cert,
              key: options.tls.key,
              servername: options.tls.servername ?? 'localhost',
            },
            () => resolve(s),
          )
        : net.connect({ host: options.host, port: options.port }, () => resolve(s));
      s.once('error', (err) => {
        s.destroy();
        reject(err);
      });
    });
    socket.setNoDelay(true);
    return new MllpClient(socket, options.maxFrameBytes ?? 16 * 1024 * 1024);
  }

  /** Resolves when the connection has closed (either side). */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /**
   * Sends one message and waits for the next frame back.
   * @param payload - The message (a string is sent as UTF-8).
   * @returns The response payload (without framing).
   */
  send(payload: string | Buffer): Promise<Buffer> {
    const response = this.next();
    this.writeRaw(frameMllp(typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload));
    return response;
  }

  /**
   * Waits for the next frame without sending anything (the second ACK of enhanced mode, for instance).
   * @returns The next response not yet taken by an earlier `send` or `next`.
   */
  next(): Promise<Buffer> {
    const ready = this.#frames.shift();
    if (ready) return Promise.resolve(ready);
    if (this.#error) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Writes bytes as they are, without framing (tests of broken senders). */
  writeRaw(bytes: Buffer): void {
    this.#socket.write(bytes);
  }

  /** Ends the connection and waits until it is closed. */
  async close(): Promise<void> {
    this.#socket.end();
    const timer = setTimeout(() => this.#socket.destroy(), 2000).unref();
    await this.#closed;
    clearTimeout(timer);
  }

  #fail(err: Error): void {
    this.#error ??= err;
    for (const w of this.#waiters.splice(0)) w.reject(this.#error);
  }
}
