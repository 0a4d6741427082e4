import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A scriptable FHIR server on `node:http` for tests: records every transaction it receives, answers like a
 * FHIR server by default, and can be told to fail, throttle, reject, hang up, or demand credentials.
 * Listens on 127.0.0.1, port 0 unless told otherwise.
 */

/** One scripted answer. */
export interface StubResponse {
  status: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as is. Default: an OperationOutcome for errors, a transaction-response for 2xx. */
  body?: unknown;
  /** Destroy the connection after reading the request, without answering. */
  closeSocket?: boolean;
  /** Wait this long before answering. */
  delayMs?: number;
}

/** A request the stub received on the transaction endpoint. */
export interface ReceivedRequest {
  method: string;
  headers: IncomingHttpHeaders;
  /** Request body as text. */
  body: string;
  /** The parsed Bundle, when the body was JSON. */
  bundle: { id?: string; [key: string]: unknown } | undefined;
  /** What the stub answered (0 when it hung up or the client went away first). */
  status: number;
}

/** OAuth 2.0 token endpoint mode. */
export interface StubOAuthOptions {
  clientId: string;
  clientSecret: string;
  /** `expires_in` of issued tokens. Default 3600. */
  expiresInS?: number;
}

/** Answer for a matching Bundle (see {@link StubFhirServer.respondWhen}). */
type Rule = { match: (bundle: ReceivedRequest['bundle']) => boolean; response: StubResponse };

/** See the file comment. */
export class StubFhirServer {
  /** Every transaction request, in arrival order. */
  readonly requests: ReceivedRequest[] = [];
  /** Requests being handled right now, and the most at once. */
  inFlight = 0;
  maxInFlight = 0;
  /** Token endpoint requests, and the ones that got a token. */
  tokenRequests = 0;
  tokensIssued = 0;
  /** Delay applied to every transaction answer. */
  delayMs = 0;

  private server: Server | undefined;
  private portNumber = 0;
  private readonly oneShot: StubResponse[] = [];
  private sticky: StubResponse | undefined;
  private readonly rules: Rule[] = [];
  private expectedAuthorization: string | undefined;
  private oauth: StubOAuthOptions | undefined;
  private readonly validTokens = new Set<string>();
  private readonly tokenOneShot: StubResponse[] = [];

  /**
   * @param port - Port to listen on; 0 (default) picks a free one.
   * @returns A listening stub.
   */
  static async start(port = 0): Promise<StubFhirServer> {
    const stub = new StubFhirServer();
    await stub.listen(port);
    return stub;
  }

  /** The FHIR base URL, e.g. `http://127.0.0.1:40123/fhir`. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.portNumber}/fhir`;
  }

  /** The OAuth token endpoint URL. */
  get tokenUrl(): string {
    return `http://127.0.0.1:${this.portNumber}/oauth/token`;
  }

  get port(): number {
    return this.portNumber;
  }

  /** @returns Bundle ids of the transactions answered with 2xx, in order. */
  deliveredIds(): string[] {
    return this.requests.filter((r) => r.status >= 200 && r.status < 300).map((r) => r.bundle?.id ?? '');
  }

  /** Answers the next `n` transactions with `response`. */
  respondNext(n: number, response: StubResponse): this {
    for (let i = 0; i < n; i++) this.oneShot.push(response);
    return this;
  }

  /** Answers every transaction (and `metadata`) with `response` until {@link recover}. */
  failUntilRecover(response: StubResponse = { status: 503 }): this {
    this.sticky = response;
    return this;
  }

  /** Ends {@link failUntilRecover}. */
  recover(): this {
    this.sticky = undefined;
    return this;
  }

  /** Answers every Bundle matching `match` with `response` (after one-shot and sticky answers). */
  respondWhen(match: Rule['match'], response: StubResponse): this {
    this.rules.push({ match, response });
    return this;
  }

  /** Requires this exact Authorization header on transactions (401 otherwise). */
  requireAuthorization(header: string | undefined): this {
    this.expectedAuthorization = header;
    return this;
  }

  /** Turns on the token endpoint; transactions then need a `Bearer` token it issued and has not revoked. */
  enableOAuth(options: StubOAuthOptions): this {
    this.oauth = options;
    return this;
  }

  /** Invalidates every issued token (the next transaction with one gets 401). */
  revokeTokens(): this {
    this.validTokens.clear();
    return this;
  }

  /** Answers the next `n` token requests with `response`. */
  tokenRespondNext(n: number, response: StubResponse): this {
    for (let i = 0; i < n; i++) this.tokenOneShot.push(response);
    return this;
  }

  /** Stops listening and drops open connections. Idempotent. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** Listens again on the same port (after {@link stop}), keeping recorded requests and scripts. */
  async restart(): Promise<void> {
    await this.listen(this.portNumber);
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.portNumber = (server.address() as AddressInfo).port;
    this.server = server;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/\/+$/, '');
    if (req.method === 'POST' && path === '/oauth/token') return this.token(req, body, res);
    if (req.method === 'GET' && path === '/fhir/metadata') {
      return answer(
        res,
        this.sticky ?? { status: 200, body: { resourceType: 'CapabilityStatement', status: 'active' } },
      );
    }
    if (req.method !== 'POST' || path !== '/fhir') return answer(res, { status: 404 });
    const record: ReceivedRequest = { method: req.method, headers: req.headers, body, bundle: parse(body), status: 0 };
    this.requests.push(record);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const response = this.choose(record);
      const delay = response.delayMs ?? this.delayMs;
      if (delay > 0) await sleep(delay);
      if (response.closeSocket) {
        req.socket.destroy();
        return;
      }
      record.status = response.status;
      answer(res, { ...response, body: response.body ?? defaultBody(response.status, record.bundle) });
    } finally {
      this.inFlight--;
    }
  }

  private choose(record: ReceivedRequest): StubResponse {
    const authorization = record.headers.authorization;
    if (this.expectedAuthorization !== undefined && authorization !== this.expectedAuthorization)
      return { status: 401 };
    if (this.oauth && !(authorization?.startsWith('Bearer ') && this.validTokens.has(authorization.slice(7)))) {
      return { status: 401 };
    }
    const next = this.oneShot.shift();
    if (next) return next;
    if (this.sticky) return this.sticky;
    return this.rules.find((r) => r.match(record.bundle))?.response ?? { status: 200 };
  }

  private token(req: IncomingMessage, body: string, res: ServerResponse): void {
    this.tokenRequests++;
    const scripted = this.tokenOneShot.shift();
    if (scripted) return answer(res, scripted);
    const form = new URLSearchParams(body);
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    let id = form.get('client_id');
    let secret = form.get('client_secret');
    if (basic) {
      const [u = '', p = ''] = Buffer.from(basic, 'base64').toString('utf8').split(':');
      id = decodeURIComponent(u.replace(/\+/g, ' '));
      secret = decodeURIComponent(p.replace(/\+/g, ' '));
    }
    if (!this.oauth || form.get('grant_type') !== 'client_credentials') {
      return answer(res, { status: 400, body: { error: 'unsupported_grant_type' } });
    }
    if (id !== this.oauth.clientId || secret !== this.oauth.clientSecret) {
      // Echoes the secret on purpose, like careless real servers do: tests check it never reaches an outcome.
      return answer(res, { status: 401, body: { error: 'invalid_client', error_description: `bad secret ${secret}` } });
    }
    this.tokensIssued++;
    const token = `token-${this.tokensIssued}`;
    this.validTokens.add(token);
    answer(res, {
      status: 200,
      body: { access_token: token, token_type: 'Bearer', expires_in: this.oauth.expiresInS ?? 3600 },
    });
  }
}

function defaultBody(status: number, bundle: ReceivedRequest['bundle']): unknown {
  if (status >= 200 && status < 300) {
    const entries = Array.isArray(bundle?.entry) ? bundle.entry : [];
    return {
      resourceType: 'Bundle',
      type: 'transaction-response',
      entry: entries.map(() => ({ response: { status: '201 Created' } })),
    };
  }
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'processing', diagnostics: `stub answered ${status}` }],
  };
}

function answer(res: ServerResponse, response: StubResponse): void {
  const body =
    response.body === undefined
      ? ''
      : typeof response.body === 'string'
        ? response.body
        : JSON.stringify(response.body);
  const contentType = typeof response.body === 'string' ? 'text/html' : 'application/fhir+json';
  res.writeHead(response.status, { 'Content-Type': contentType, ...response.headers });
  res.end(body);
}

function parse(body: string): ReceivedRequest['bundle'] {
  try {
    return JSON.parse(body) as ReceivedRequest['bundle'];
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * @param id - Marker to find the Bundle again at the stub (`Bundle.id`).
 * @param entries - Number of (empty) entries.
 * @returns The JSON text of a small transaction Bundle.
 */
export function testBundle(id: string, entries = 1): string {
  return JSON.stringify({
    resourceType: 'Bundle',
    id,
    type: 'transaction',
    entry: Array.from({ length: entries }, (_, i) => ({
      request: { method: 'PUT', url: `Observation?identifier=x|${i}` },
    })),
  });
}
