import type { TestProject } from 'vitest/node';
import { buildHapi, HapiServer } from './support/hapi-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the FHIR server the interop suite runs against. */
    fhirBaseUrl: string;
    /** The HAPI test server's jar, for suites that start a server of their own; empty with an external server. */
    hapiJar: string;
  }
}

/**
 * Builds and starts the HAPI test server once for the whole interop suite, or uses the server named by
 * `INTEROP_FHIR_BASE_URL` (which must allow `$expunge`: the suites reset it).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env['INTEROP_FHIR_BASE_URL'];
  if (external) {
    project.provide('fhirBaseUrl', external.replace(/\/$/, ''));
    project.provide('hapiJar', '');
    return async () => {};
  }
  const jar = buildHapi();
  const server = await HapiServer.start(jar);
  process.stderr.write(`HAPI FHIR answered /fhir/metadata ${(server.startupMs / 1000).toFixed(1)} s after start\n`);
  project.provide('fhirBaseUrl', server.baseUrl);
  project.provide('hapiJar', jar);
  return () => server.stop();
}
