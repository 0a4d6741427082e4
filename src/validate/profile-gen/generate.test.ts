import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFullCoreDefinitions } from '../definitions.ts';
import { generateProfile } from './generate.ts';
import { PROFILE_SPECS } from './specs.ts';
import { PROFILES_DIR, renderProfiles } from './write-profiles.ts';

const core = loadFullCoreDefinitions();
const lookup = (url: string) => core.byUrl.get(url);

describe('profile generation', () => {
  it('When the profiles are regenerated, then they equal the committed files byte for byte', async () => {
    const rendered = renderProfiles();
    expect(rendered.size).toBe(PROFILE_SPECS.length);
    for (const [name, text] of rendered) {
      // If this fails, run `npx node src/validate/profile-gen/write-profiles.ts` and commit profiles/.
      expect(await readFile(join(PROFILES_DIR, name), 'utf8'), name).toBe(text);
    }
  });

  it('When a slice is added, then it follows the sliced element and the differential names only the changes', () => {
    const spec = PROFILE_SPECS.find((s) => s.id === 'studybridge-lab-observation');
    const sd = generateProfile(spec as (typeof PROFILE_SPECS)[number], lookup);
    const ids = sd.snapshot?.element.map((e) => e.id) ?? [];
    expect(ids.indexOf('Observation.category:laboratory')).toBe(ids.indexOf('Observation.category') + 1);
    expect(sd.differential?.element.find((e) => e.id === 'Observation.subject')).toEqual({
      id: 'Observation.subject',
      path: 'Observation.subject',
      min: 1,
      type: [{ code: 'Reference', targetProfile: ['http://hl7.org/fhir/StructureDefinition/Patient'] }],
      mustSupport: true,
    });
    expect(sd).toMatchObject({
      status: 'draft',
      publisher: 'studybridge',
      fhirVersion: '4.0.1',
      derivation: 'constraint',
    });
  });

  it('When a change is below a datatype element, then the datatype elements are expanded under it', () => {
    const spec = PROFILE_SPECS.find((s) => s.id === 'studybridge-patient');
    const sd = generateProfile(spec as (typeof PROFILE_SPECS)[number], lookup);
    const system = sd.snapshot?.element.find((e) => e.id === 'Patient.identifier.system');
    expect(system).toMatchObject({ path: 'Patient.identifier.system', min: 1, base: { path: 'Identifier.system' } });
    expect(sd.snapshot?.element.filter((e) => e.id?.startsWith('Patient.identifier.')).map((e) => e.id)).toEqual([
      'Patient.identifier.id',
      'Patient.identifier.extension',
      'Patient.identifier.use',
      'Patient.identifier.type',
      'Patient.identifier.system',
      'Patient.identifier.value',
      'Patient.identifier.period',
      'Patient.identifier.assigner',
    ]);
  });

  it('When a change names an element that cannot exist, then generation fails', () => {
    const spec = {
      id: 'x',
      name: 'X',
      title: 'X',
      type: 'Observation',
      description: 'x',
      elements: [{ id: 'Observation.nope.deeper', min: 1 }],
    };
    expect(() => generateProfile(spec, lookup)).toThrow(/Cannot place element Observation.nope.deeper/);
  });

  it('When the core definitions are cleaned, then Medplum-only elements do not reach the profiles', () => {
    const text = [...renderProfiles().values()].join('');
    expect(text).not.toContain('Meta.project');
    expect(core.dropped).toContain('Meta.project');
  });
});
