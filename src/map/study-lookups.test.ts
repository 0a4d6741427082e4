import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdapterError } from '../errors/adapter-error.ts';
import { loadMappings } from './load-mappings.ts';
import type { Mappings } from './mapping-types.ts';
import { StudyLookup, type DoseRecord, type ProductRecord, type StudyRecord } from './study-lookups.ts';

const REPO_MAPPINGS = path.resolve(import.meta.dirname, '../../mappings');
let mappings: Mappings;
beforeAll(async () => (mappings = await loadMappings(REPO_MAPPINGS)));

const record = (set: string, key: string): unknown => mappings.lookups.get(set)?.records.get(key);

describe('study lookups', () => {
  it('When the shipped studies load, then each is found by its identifier, with the systems the CSV layouts mint', () => {
    const study = record(StudyLookup.Study, 'uc-msc-safety-rct') as StudyRecord;
    expect(study.id).toBe('uc-msc-safety-rct');
    expect(study.researchStudy.identifier?.[0]?.value).toBe('uc-msc-safety-rct');
    expect(study.systems).toEqual({
      researchSubject: 'https://studybridge.org/fhir/id/uc-msc-safety-rct/research-subject',
      medicationAdministration: 'https://studybridge.org/fhir/id/uc-msc-safety-rct/medication-administration',
      medication: 'https://studybridge.org/fhir/id/uc-msc-safety-rct/medication',
      protocolVisit: 'https://studybridge.org/fhir/id/uc-msc-safety-rct/protocol-visit',
    });
    expect(study.reasonCode).toEqual([
      { coding: [{ system: 'http://snomed.info/sct', code: '44054006', display: 'Type 2 diabetes mellitus' }] },
    ]);
    expect(study.blindedProduct).toBeUndefined();
  });

  it('When a study is blinded, then its record names the one blinded product', () => {
    const study = record(StudyLookup.Study, 'uc-msc-nafld-rct') as StudyRecord;
    expect(study.blindedProduct?.code).toBe('uc-msc-or-placebo-blinded');
  });

  it('When a visit, product or dose is looked up, then the key is study identifier | code', () => {
    expect(record(StudyLookup.Visit, 'uc-msc-registry|month-6')).toEqual({ code: 'month-6', day: 182, window: 30 });
    expect(record(StudyLookup.Visit, 'uc-msc-registry|week-9')).toBeUndefined();
    const product = record(StudyLookup.Product, 'uc-msc-safety-rct|placebo-saline') as ProductRecord;
    expect(product.concept.coding?.[0]).toMatchObject({ code: 'placebo-saline' });
    expect(product.concept.text).toBe('acellular saline (placebo)');
    expect(record(StudyLookup.Dose, 'uc-msc-safety-rct|3') as DoseRecord).toEqual({
      number: 3,
      code: 'dose-3',
      text: 'Dose 3 of 3',
      series: [
        { url: 'doseNumber', valuePositiveInt: 3 },
        { url: 'seriesDoses', valuePositiveInt: 3 },
      ],
    });
    expect(record(StudyLookup.Dose, 'uc-msc-safety-rct|4')).toBeUndefined();
  });

  describe('with a second study that reuses an identifier value', () => {
    let dir: string;
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('When two studies share an identifier value, then loading names the clash (CTI-1 could not choose)', async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'sb-studies-'));
      await cp(REPO_MAPPINGS, dir, { recursive: true });
      const original = await readFile(path.join(dir, 'studies/uc-msc-registry.yaml'), 'utf8');
      // The same identifier value under another system: CTI-1.1 alone could not tell the two studies apart.
      const text = original
        .replace('id: uc-msc-registry', 'id: uc-msc-registry-2')
        .replace('system: https://studybridge.org/fhir/NamingSystem/study,', 'system: https://example.org/registries,');
      await writeFile(path.join(dir, 'studies/uc-msc-registry-2.yaml'), text);
      const error = await loadMappings(dir).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AdapterError);
      const issues = (error as AdapterError).outcome.issue ?? [];
      expect(issues.map((i) => `${i.expression?.join()} :: ${i.diagnostics}`)).toContain(
        "studies/uc-msc-registry.yaml:/identifiers :: identifier value 'uc-msc-registry' is also an identifier of studies/uc-msc-registry-2.yaml",
      );
    });
  });
});
