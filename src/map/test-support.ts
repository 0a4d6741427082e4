import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseMessage } from '../parse/hl7v2/index.ts';
import type { Hl7Message } from '../parse/hl7v2/types.ts';
import { loadMappings } from './load-mappings.ts';
import type { Mappings } from './mapping-types.ts';
import type { EvalContext, ResourceInstance } from './template/map-context.ts';

const REPO_MAPPINGS = path.resolve(import.meta.dirname, '../../mappings');

/** Test analytes with ids of their own, so engine tests do not depend on the shipped catalogue's choices. */
const TEST_ANALYTES = `
analytes:
  - { id: test-glucose, code: 14771-0, display: 'Fasting glucose [Moles/volume] in Serum or Plasma', source: test, unit: mmol/L, molarMass: 180.16 }
  - id: test-hba1c
    code: 4548-4
    display: Hemoglobin A1c/Hemoglobin.total in Blood
    source: test
    unit: "%"
    conversions: [{ from: mmol/mol, multiply: 0.09148, add: 2.152, source: IFCC-NGSP master equation }]
  - { id: test-crp, code: 30522-7, display: 'C reactive protein [Mass/volume] in Serum or Plasma by High sensitivity method', source: test, unit: mg/L }
  - { id: test-titer, code: 5370-2, display: test titer, source: test }
`;

const TEST_SENDERS: Record<string, string> = {
  'strict.yaml': `
id: strict-lab
match: { sendingApplication: STRICT, sendingFacility: HOSP }
localCodeSystem: https://example.org/strict-lab-codes
timezone: "+08:00"
unmappedCodes: reject
identifierSystems: { HOSP: https://example.org/hosp-mrn }
codes:
  - { local: GLU, analyte: test-glucose }
  - { local: A1C, analyte: test-hba1c }
  - { local: CRP, analyte: test-crp, unit: mg/L }
  - { local: TITER, analyte: test-titer }
`,
  'lenient.yaml': `
id: lenient-lab
match: { sendingApplication: LENIENT, sendingFacility: "*" }
localCodeSystem: https://example.org/lenient-lab-codes
timezone: "Z"
unmappedCodes: pass-through
codes:
  - { local: GLU, analyte: test-glucose }
`,
};

/**
 * Copies the shipped mappings (manifests, templates, tables, units, coding systems) into a temp dir, replaces the
 * senders with two test senders and adds test analytes, then loads it.
 * @param extra - Further files to write into the copy, by path relative to it (a test manifest and its templates).
 * @returns The mappings and a cleanup function.
 */
export async function loadTestMappings(
  extra: Readonly<Record<string, string>> = {},
): Promise<{ mappings: Mappings; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sb-mappings-'));
  const senders = path.join(REPO_MAPPINGS, 'senders');
  await cp(REPO_MAPPINGS, dir, { recursive: true, filter: (src) => !src.startsWith(senders) });
  await mkdir(path.join(dir, 'senders'), { recursive: true });
  for (const [name, text] of Object.entries(TEST_SENDERS)) await writeFile(path.join(dir, 'senders', name), text);
  await writeFile(path.join(dir, 'analytes', 'zz-test.yaml'), TEST_ANALYTES);
  for (const [rel, text] of Object.entries(extra)) await writeFile(path.join(dir, rel), text);
  const mappings = await loadMappings(dir);
  return { mappings, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Builds an ORU^R01 from segments after a standard MSH (sender STRICT/HOSP, v2.5.1, control ID MSG1).
 * @param segments - Segments after MSH, pipe-delimited.
 * @param msh - Replacement MSH, when a test needs another header.
 * @returns The parsed message.
 */
export function oru(
  segments: string[],
  msh = 'MSH|^~\\&|STRICT|HOSP|SB|SB|20261121083000+0800||ORU^R01^ORU_R01|MSG1|P|2.5.1',
): Hl7Message {
  return parseMessage([msh, ...segments].join('\r'));
}

/**
 * A context for evaluating a template against one segment, without a manifest: the segment is current and in
 * scope, the sender is the first of the mappings.
 * @param mappings - The mappings (their lookups, tables and aliases are read).
 * @param segment - The segment, pipe-delimited, after a standard MSH.
 * @returns The context.
 */
export function segmentContext(mappings: Mappings, segment: string): EvalContext {
  const message = parseMessage(['MSH|^~\\&|STRICT|HOSP|SB|SB|20261121083000||ZZZ^Z01|M1|P|2.5.1', segment].join('\r'));
  const seg = message.segments[1]!;
  return {
    message,
    mappings,
    sender: mappings.senders[0]!,
    receivedAt: '2026-01-01T00:00:00Z',
    defaultZone: 'Z',
    instances: [],
    unmapped: [],
    lookups: new Map(),
    segment: seg,
    scope: new Map([[seg.id, seg]]),
    instance: {} as ResourceInstance,
  };
}
