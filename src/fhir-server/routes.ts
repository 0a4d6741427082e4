import { ContentType, getStatus, notModified } from '@medplum/core';
import type { FhirRequest, FhirResponse, HttpMethod } from '@medplum/fhir-router';
import type { Bundle, CapabilityStatement, Resource } from '@medplum/fhirtypes';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';

/** What the routes need from the server. */
export interface FhirRoutesOptions {
  handle(req: FhirRequest): Promise<FhirResponse>;
  capabilityStatement(): CapabilityStatement;
  /** Largest accepted body, express notation (`20mb`). */
  bodyLimit: string;
}

const JSON_TYPES = ['application/json', 'application/fhir+json', 'application/json-patch+json'];

/**
 * The HTTP face of the embedded server: JSON in and out (`application/fhir+json`), ETag / Last-Modified / Location
 * headers, `If-None-Match` and `If-Modified-Since` on reads (304), absolute `fullUrl` and paging links.
 * @param options - The request handler and the CapabilityStatement.
 * @returns A router to mount at `/fhir`.
 */
export function createFhirRoutes(options: FhirRoutesOptions): Router {
  const router = express.Router();
  router.use(express.json({ type: JSON_TYPES, limit: options.bodyLimit }));
  router.use(express.urlencoded({ extended: false, limit: options.bodyLimit }));
  router.get('/metadata', (_req, res) => {
    send(res, 200, options.capabilityStatement());
  });
  router.use(async (req: Request, res: Response) => {
    const url = req.url.replace(/^\//, '');
    let body: unknown = req.body;
    // POST Type/_search with a form body: the form is the query.
    if (req.method === 'POST' && /\/_search\/?$/.test(req.path) && req.is('application/x-www-form-urlencoded')) {
      const form = new URLSearchParams(req.body as Record<string, string>).toString();
      body = Object.fromEntries(new URLSearchParams(form));
      const [outcome, resource] = await options.handle(fhirRequest(req, `${url.split('?')[0]}?${form}`, body));
      return respond(req, res, outcome, resource);
    }
    const [outcome, resource] = await options.handle(fhirRequest(req, url, body));
    respond(req, res, outcome, resource);
  });
  router.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { status?: number; type?: string };
    const status = e.status === 413 ? 413 : 400;
    const text = status === 413 ? 'Request body too large' : 'Request body is not valid JSON';
    send(res, status, {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: status === 413 ? 'too-long' : 'structure', diagnostics: text }],
    });
  });
  return router;
}

function fhirRequest(req: Request, url: string, body: unknown): FhirRequest {
  return {
    method: req.method as HttpMethod,
    url,
    pathname: '',
    body,
    params: {},
    query: {},
    headers: req.headers,
  };
}

function respond(req: Request, res: Response, outcome: FhirResponse[0], resource: Resource | undefined): void {
  let status = getStatus(outcome);
  const base = `${req.protocol}://${req.get('host') ?? 'localhost'}${req.baseUrl}`;
  if (resource && status < 300 && resource.resourceType !== 'Bundle' && resource.meta?.versionId) {
    res.setHeader('ETag', `W/"${resource.meta.versionId}"`);
    if (resource.meta.lastUpdated) res.setHeader('Last-Modified', new Date(resource.meta.lastUpdated).toUTCString());
    if (status === 201) {
      res.setHeader('Location', `${base}/${resource.resourceType}/${resource.id}/_history/${resource.meta.versionId}`);
    }
    if (req.method === 'GET' && isNotModified(req, resource)) {
      status = getStatus(notModified);
      res.status(status).end();
      return;
    }
  }
  const out = resource ?? outcome;
  if (out.resourceType === 'Bundle') absolutize(out, base);
  send(res, status, out);
}

function isNotModified(req: Request, resource: Resource): boolean {
  const inm = req.get('if-none-match');
  if (inm) return inm.replace(/^W\//, '') === `"${resource.meta?.versionId}"`;
  const ims = req.get('if-modified-since');
  if (ims && resource.meta?.lastUpdated) {
    // HTTP dates have whole seconds.
    return Math.floor(Date.parse(resource.meta.lastUpdated) / 1000) <= Math.floor(Date.parse(ims) / 1000);
  }
  return false;
}

/** Relative fullUrls and links (`Observation/1`, `Observation?…`) become absolute under this server's base. */
function absolutize(bundle: Bundle, base: string): void {
  const abs = (u: string): string => (/^[a-z]+:/i.test(u) ? u : `${base}/${u}`);
  for (const l of bundle.link ?? []) l.url = abs(l.url);
  for (const e of bundle.entry ?? []) {
    if (e.fullUrl) e.fullUrl = abs(e.fullUrl);
    if (e.response?.location) e.response.location = abs(e.response.location);
  }
}

function send(res: Response, status: number, body: unknown): void {
  res.status(status).type(ContentType.FHIR_JSON).send(JSON.stringify(body));
}
