import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import { loadMappings } from '../map/load-mappings.ts';
import { createConvert } from '../pipeline/convert.ts';
import { loadValidator } from '../validate/load-validator.ts';
import { PROFILES_DIR } from '../validate/profile-gen/write-profiles.ts';
import type { ResourceValidator } from '../validate/types.ts';
import { openEmbeddedFhir, type EmbeddedFhir } from './embedded-fhir.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The LOINC code of HbA1c (NGSP %) in the example message. */
export const HBA1C = 'http://loinc.org|4548-4';
/** The patient identifier of the example message. */
export const EXAMPLE_MRN = 'https://studybridge.org/fhir/NamingSystem/general-hospital-mrn|S-0042';

let validator: Promise<ResourceValidator> | undefined;

/** @returns The validator with the committed profiles, loaded once per test file. */
export function sharedValidator(): Promise<ResourceValidator> {
  validator ??= loadValidator({ profilesDir: PROFILES_DIR });
  return validator;
}

/**
 * Converts an HL7 file with our converter, so tests store exactly what delivery stores.
 * @param file - Path relative to the repository root.
 * @returns The transaction Bundle.
 */
export async function convertExample(file = 'examples/oru-r01-diabetes-panel.hl7'): Promise<Bundle> {
  const mappings = await loadMappings(path.join(ROOT, 'mappings'));
  const convert = createConvert({ mappings, validator: await sharedValidator() });
  const [r] = await convert(readFileSync(path.join(ROOT, file)), { receivedAt: '2026-11-20T03:00:00Z' });
  if (!r?.ok || !r.bundle) throw new Error('example did not convert');
  return r.bundle;
}

/** A server on a fresh temporary file, and how to reopen and remove it. */
export interface TempServer {
  fhir: EmbeddedFhir;
  file: string;
  reopen(): Promise<EmbeddedFhir>;
  dispose(): Promise<void>;
}

/** @returns An embedded server with the real validator on a new temporary directory. */
export async function openTempServer(): Promise<TempServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sb-fhir-'));
  const file = path.join(dir, 'fhir.sqlite');
  const v = await sharedValidator();
  const server: TempServer = {
    fhir: await openEmbeddedFhir({ file, validator: v, sync: 'normal' }),
    file,
    async reopen() {
      await server.fhir.close();
      server.fhir = await openEmbeddedFhir({ file, validator: v, sync: 'normal' });
      return server.fhir;
    },
    async dispose() {
      await server.fhir.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/** Runs a GET in process. */
export async function get(fhir: EmbeddedFhir, url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const { getStatus } = await import('@medplum/core');
  const [outcome, resource] = await fhir.handle({
    method: 'GET',
    url,
    pathname: '',
    body: undefined,
    params: {},
    query: {},
  });
  return { status: getStatus(outcome), body: (resource ?? outcome) as unknown as Record<string, unknown> };
}

/** @returns The `Type/id` of each entry of a searchset. */
export function entryIds(bundle: Record<string, unknown>): string[] {
  const entries = (bundle['entry'] ?? []) as { resource?: { resourceType: string; id: string } }[];
  return entries.map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);
}
