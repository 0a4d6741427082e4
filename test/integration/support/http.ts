import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import type { StoredMessage } from '../../../src/store/message-store.ts';
import { waitFor } from './wait-for.ts';

/** Answer of `GET /messages`. */
export interface MessageList {
  counts: Record<string, number>;
  messages: StoredMessage[];
}

/** A small client for the service's HTTP API. */
export class Api {
  readonly url: string;
  readonly #token: string | undefined;

  constructor(url: string, token?: string) {
    this.url = url;
    this.#token = token;
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.#token && !headers.has('authorization')) headers.set('authorization', `Bearer ${this.#token}`);
    return fetch(`${this.url}${path}`, { ...init, headers });
  }

  async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await this.request(path, init);
    const body = await res.text();
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path} answered ${res.status}: ${body.slice(0, 500)}`);
    return JSON.parse(body) as T;
  }

  messages(query = ''): Promise<MessageList> {
    return this.json<MessageList>(`/messages${query}`);
  }

  /** Every stored message (pages through `GET /messages`). */
  async allMessages(): Promise<StoredMessage[]> {
    const all: StoredMessage[] = [];
    let before = '';
    for (;;) {
      const page = await this.messages(`?limit=1000${before}`);
      all.push(...page.messages);
      if (page.messages.length < 1000) return all;
      before = `&before=${page.messages.at(-1)!.id}`;
    }
  }

  message(id: number): Promise<StoredMessage> {
    return this.json<StoredMessage>(`/messages/${id}`);
  }

  /** A FHIR search on the embedded server. */
  search(query: string): Promise<Bundle> {
    return this.json<Bundle>(`/fhir/${query}`);
  }

  /** Posts an ER7 body to `/hl7v2`. */
  postHl7(body: string | Buffer, headers: Record<string, string> = {}): Promise<Response> {
    return this.request('/hl7v2', {
      method: 'POST',
      headers: { 'content-type': 'x-application/hl7-v2+er7', ...headers },
      body,
    });
  }

  /** Waits until no message waits for delivery (`received` and `converted` are both 0) and returns the counts. */
  async settled(timeoutMs = 30_000): Promise<Record<string, number>> {
    let counts: Record<string, number> = {};
    await waitFor(
      async () => {
        counts = (await this.messages('?limit=1')).counts;
        return (counts.received ?? 0) === 0 && (counts.converted ?? 0) === 0;
      },
      timeoutMs,
      'no message left to deliver',
    );
    return counts;
  }
}

/** Diagnostics of an OperationOutcome, joined. */
export function diagnosticsOf(outcome: OperationOutcome | null | undefined): string {
  return (outcome?.issue ?? [])
    .map((i) => `${i.code}: ${i.diagnostics ?? ''} ${(i.expression ?? []).join(',')}`)
    .join('; ');
}
