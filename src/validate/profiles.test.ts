import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AdapterError } from '../errors/adapter-error.ts';
import { loadValidator } from './load-validator.ts';
import { PROFILES_DIR } from './profile-gen/write-profiles.ts';

type Loose = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const OBS = 'StructureDefinition-studybridge-lab-observation.json';
const PATIENT = 'StructureDefinition-studybridge-patient.json';
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sb-profiles-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function committed(name: string): Promise<Loose> {
  return JSON.parse(await readFile(join(PROFILES_DIR, name), 'utf8')) as Loose;
}

async function write(name: string, value: unknown): Promise<void> {
  await writeFile(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));
}

/** Loads the directory and returns `file:pointer → diagnostics` of the one error thrown. */
async function loadErrors(): Promise<string[]> {
  const err = await loadValidator({ profilesDir: dir }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AdapterError);
  const adapterError = err as AdapterError;
  expect(adapterError.code).toBe('profile.invalid');
  return (adapterError.outcome.issue ?? []).map(
    (i) => `${i.expression?.[0]?.replace(dir + '/', '')} → ${i.diagnostics}`,
  );
}

function element(sd: Loose, id: string): Loose {
  const el = (sd.snapshot.element as Loose[]).find((e) => e.id === id);
  if (!el) throw new Error(`no element ${id}`);
  return el;
}

describe('loading profiles', () => {
  it('When the committed profiles are loaded, then all three apply by meta.profile', async () => {
    for (const name of await Promise.resolve([OBS, PATIENT])) await copyFile(join(PROFILES_DIR, name), join(dir, name));
    const validator = await loadValidator({ profilesDir: dir });
    const claim = (url: string) => ({ resourceType: 'Patient', meta: { profile: [url] } }) as never;
    expect(validator.validate(claim('https://studybridge.org/fhir/StructureDefinition/studybridge-patient'))).toEqual([
      expect.objectContaining({ expression: ['Patient.identifier'] }),
    ]);
  });

  it('When several files have problems, then one profile.invalid error lists every problem with file and path', async () => {
    await write('StructureDefinition-broken.json', '{ "resourceType": ');
    const obs = await committed(OBS);
    element(obs, 'Observation').constraint.push({
      key: 'x-1',
      severity: 'error',
      human: 'x',
      expression: 'code.coding.where(',
    });
    element(obs, 'Observation').constraint.push({
      key: 'x-2',
      severity: 'error',
      human: 'y',
      expression: 'cdoe.exists()',
    });
    element(obs, 'Observation.status').min = 0;
    element(obs, 'Observation.category').slicing.discriminator = [{ type: 'type', path: '$this' }];
    element(obs, 'Observation.code').maxLength = 10;
    element(obs, 'Observation.issued').binding = { strength: 'required', valueSet: 'http://example.org/ValueSet/none' };
    await write(OBS, obs);
    const patient = await committed(PATIENT);
    patient.url = 'http://example.org/fhir/StructureDefinition/studybridge-patient';
    patient.fhirVersion = '3.0.2';
    patient.snapshot.element.push({
      id: 'Patient.shoeSize',
      path: 'Patient.shoeSize',
      min: 0,
      max: '1',
      type: [{ code: 'string' }],
    });
    await write(PATIENT, patient);
    await write('README.txt', 'not a profile, ignored');

    const listed = await loadErrors();
    const expected = [
      /^StructureDefinition-broken.json:\/ → Not valid JSON/,
      /^StructureDefinition-studybridge-lab-observation.json:\/snapshot\/element\/0\/constraint\/\d+ → Observation: Constraint x-1: FHIRPath does not parse/,
      /^StructureDefinition-studybridge-lab-observation.json:\/snapshot\/element\/0\/constraint\/\d+ → Observation: Constraint x-2: Observation has no element "cdoe"/,
      /^StructureDefinition-studybridge-lab-observation.json:\/snapshot\/element\/\d+ → Observation.status: min 0 is below the base min 1/,
      /^StructureDefinition-studybridge-lab-observation.json:\/snapshot\/element\/\d+ → Observation.code: maxLength is not enforced/,
      /^StructureDefinition-studybridge-lab-observation.json:\/snapshot\/element\/\d+ → Observation.category: Slice laboratory: discriminator type type not supported/,
      /^StructureDefinition-studybridge-lab-observation.json:\/snapshot\/element\/\d+ → Observation.issued: Required binding not checked: value set http:\/\/example.org\/ValueSet\/none is not available/,
      /^StructureDefinition-studybridge-patient.json:\/url → Must be https:\/\/studybridge.org\/fhir\/StructureDefinition\/studybridge-patient/,
      /^StructureDefinition-studybridge-patient.json:\/fhirVersion → Must be 4.0.1/,
      /^StructureDefinition-studybridge-patient.json:\/snapshot\/element\/\d+ → Patient.shoeSize: Path Patient.shoeSize does not exist in Patient/,
    ];
    for (const pattern of expected) expect(listed).toContainEqual(expect.stringMatching(pattern));
    expect(listed).toHaveLength(expected.length);
  });

  it('When a profile file is not a StructureDefinition, then its identity problems are listed', async () => {
    await write('StructureDefinition-x.json', { resourceType: 'ValueSet', id: 'y' });
    const listed = await loadErrors();
    expect(listed).toEqual(
      expect.arrayContaining([
        'StructureDefinition-x.json:/resourceType → Must be StructureDefinition',
        'StructureDefinition-x.json:/id → Must be "x" to match the file name',
        'StructureDefinition-x.json:/snapshot → Snapshot is missing or empty',
      ]),
    );
  });

  it('When a slice has no pattern for its discriminator, then loading fails', async () => {
    const obs = await committed(OBS);
    delete element(obs, 'Observation.category:laboratory').patternCodeableConcept;
    await write(OBS, obs);
    expect(await loadErrors()).toEqual([
      expect.stringMatching(
        /Observation.category: Slice laboratory: discriminator path \$this has no fixed or pattern value/,
      ),
    ]);
  });

  it('When a slice carries its own binding or invariant, then loading refuses it instead of ignoring it', async () => {
    const obs = await committed(OBS);
    const slice = element(obs, 'Observation.category:laboratory');
    slice.binding = { strength: 'required', valueSet: 'http://hl7.org/fhir/ValueSet/observation-category' };
    slice.constraint = [
      ...slice.constraint,
      { key: 'x-3', severity: 'error', human: 'x', expression: 'text.exists()' },
    ];
    await write(OBS, obs);
    expect(await loadErrors()).toEqual([
      expect.stringMatching(/Observation.category: Slice laboratory: bindings are not supported/),
      expect.stringMatching(/Observation.category: Slice laboratory: invariants are not supported/),
    ]);
  });

  it('When the profiles directory does not exist, then loading fails with profile.invalid', async () => {
    await rm(dir, { recursive: true });
    expect(await loadErrors()).toEqual([expect.stringMatching(/Cannot read the profiles directory \(ENOENT\)/)]);
  });

  it('When the directory is empty, then the validator loads and still rejects unloaded studybridge profiles', async () => {
    const validator = await loadValidator({ profilesDir: dir });
    const r = {
      resourceType: 'Patient',
      meta: { profile: ['https://studybridge.org/fhir/StructureDefinition/studybridge-patient'] },
    };
    expect(validator.validate(r as never).map((i) => [i.severity, i.code])).toEqual([['error', 'not-supported']]);
  });
});
