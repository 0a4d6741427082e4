import type { Bundle, OperationOutcome, Parameters, Resource } from '@medplum/fhirtypes';
import { isErrorIssue } from '../../../src/errors/outcomes.ts';

const JSON_TYPE = 'application/fhir+json';

/** A response: status and parsed body. */
export interface FhirAnswer<T = Resource> {
  status: number;
  body: T;
}

/** A small FHIR REST client for the interop suite (no auth: the test server is on loopback). */
export class FhirClient {
  readonly base: string;

  constructor(base: string) {
    this.base = base.replace(/\/$/, '');
  }

  /** Sends a request; `path` is relative to the base or an absolute URL. */
  async request<T = Resource>(method: string, path: string, body?: unknown): Promise<FhirAnswer<T>> {
    const url = /^https?:/.test(path) ? path : `${this.base}/${path}`;
    const res = await fetch(url, {
      method,
      headers: { accept: JSON_TYPE, ...(body === undefined ? {} : { 'content-type': JSON_TYPE }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** GET that must answer 200. */
  async get<T = Resource>(path: string): Promise<T> {
    const { status, body } = await this.request<T>('GET', path);
    if (status !== 200) throw new Error(`GET ${path} answered ${status}: ${JSON.stringify(body).slice(0, 1000)}`);
    return body;
  }

  /** A search; the searchset Bundle. */
  search(path: string): Promise<Bundle> {
    return this.get<Bundle>(path);
  }

  /** `Bundle.total` of `<path>&_summary=count`. */
  async count(path: string): Promise<number> {
    const sep = path.includes('?') ? '&' : '?';
    const bundle = await this.search(`${path}${sep}_summary=count`);
    if (bundle.total === undefined) throw new Error(`${path}: no total`);
    return bundle.total;
  }

  /** Posts a transaction or batch Bundle to the base. */
  transaction(bundle: Bundle | string): Promise<FhirAnswer<Bundle | OperationOutcome>> {
    return this.request<Bundle | OperationOutcome>('POST', '', bundle);
  }

  /** Deletes every resource and its history (`$expunge` with `expungeEverything`), so a suite starts empty. */
  async reset(): Promise<void> {
    const params: Parameters = {
      resourceType: 'Parameters',
      parameter: [{ name: 'expungeEverything', valueBoolean: true }],
    };
    const { status, body } = await this.request('POST', '$expunge', params);
    if (status !== 200) throw new Error(`$expunge answered ${status}: ${JSON.stringify(body).slice(0, 1000)}`);
  }
}

/** @returns The issues of an OperationOutcome at error or fatal severity. */
export function errorsOf(outcome: OperationOutcome | undefined): string[] {
  return (outcome?.issue ?? [])
    .filter(isErrorIssue)
    .map(
      (i) => `${i.expression?.join(',') ?? i.location?.join(',') ?? ''}: ${i.diagnostics ?? i.details?.text ?? i.code}`,
    );
}
