/**
 * Test fixtures shared by the runner's and the commands' tests: small converted messages, a temp case folder
 * and a fake HL7 converter keyed by input text.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Bundle, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { afterEach } from 'vitest';
import type { ConvertedMessage, ConvertOptions } from '../pipeline/convert-types.ts';
import { hl7CaseKind, type CaseKind } from './case-kinds.ts';

/** @returns A new temp directory holding the given files (relative path → content; objects become JSON). */
export async function caseDir(files: Record<string, string | object>): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'sb-cases-'));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return root;
}

/**
 * For a test file: a {@link caseDir} that is removed after each test.
 * @returns The function making case folders.
 */
export function useCaseDirs(): (files: Record<string, string | object>) => Promise<string> {
  const roots: string[] = [];
  afterEach(async () => {
    await Promise.all(roots.splice(0).map((r) => rm(r, { recursive: true, force: true })));
  });
  return async (files) => {
    const root = await caseDir(files);
    roots.push(root);
    return root;
  };
}

/**
 * @param byInput - Messages to return for each input text.
 * @returns An `.hl7` case kind over a fake converter, and the options each call received.
 */
export function fakeHl7Kind(byInput: Record<string, ConvertedMessage[]>): CaseKind & { options: ConvertOptions[] } {
  const options: ConvertOptions[] = [];
  const kind = hl7CaseKind(async (input, opts) => {
    options.push(opts ?? {});
    const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
    const messages = byInput[text];
    if (!messages) throw new Error(`unexpected input ${text}`);
    return messages;
  });
  return Object.assign(kind, { options });
}

/** @returns A minimal sound transaction Bundle: a Patient and an Observation referring to it. */
export function sampleBundle(value = 5.4): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: 'urn:uuid:00000000-0000-4000-8000-000000000001',
        resource: { resourceType: 'Patient', identifier: [{ system: 'urn:mrn', value: '123' }] },
        request: { method: 'PUT', url: 'Patient?identifier=urn:mrn|123' },
      },
      {
        fullUrl: 'urn:uuid:00000000-0000-4000-8000-000000000002',
        resource: {
          resourceType: 'Observation',
          status: 'final',
          code: { text: 'Glucose' },
          subject: { reference: 'urn:uuid:00000000-0000-4000-8000-000000000001' },
          valueQuantity: { value, unit: 'mmol/L' },
        },
        request: { method: 'PUT', url: 'Observation?identifier=urn:lab|1' },
      },
    ],
  };
}

/** @returns A successful message. */
export function okMessage(index: number, controlId?: string, warnings: OperationOutcomeIssue[] = []): ConvertedMessage {
  return {
    index,
    controlId,
    ok: true,
    bundle: sampleBundle(),
    outcome: { resourceType: 'OperationOutcome', issue: warnings },
  };
}

/** @returns A failed message with one error issue. */
export function failedMessage(index: number, controlId?: string): ConvertedMessage {
  return {
    index,
    controlId,
    ok: false,
    outcome: {
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'value',
          diagnostics: 'OBX-5 is not a number',
          expression: ['Observation.valueQuantity', 'OBX[2].5'],
        },
      ],
    },
  };
}

/** @returns A warning as the map stage reports a passed-through local code. */
export function unmappedWarning(code: string, system: string, hl7: string): OperationOutcomeIssue {
  return {
    severity: 'warning',
    code: 'code-invalid',
    details: { coding: [{ code: 'map.unmapped-code' }, { system, code }] },
    diagnostics: `local code ${code} has no mapping; passed through`,
    expression: ['Observation.code', hl7],
  };
}
