import type { Medication, MedicationAdministration, Observation, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdapterError } from '../errors/adapter-error.ts';
import { parseMessage } from '../parse/hl7v2/index.ts';
import { mapMessage } from './map-message.ts';
import type { Mappings } from './mapping-types.ts';
import { loadTestMappings, oru } from './test-support.ts';

// The shipped RAS^O17 and ORU^R01 mappings with the shipped study definitions, sent by the STRICT test sender.
let mappings: Mappings;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ mappings, cleanup } = await loadTestMappings()));
afterAll(() => cleanup?.());

const RECEIVED = { receivedAt: '2026-01-01T00:00:00Z' };
const PID = 'PID|1||S-009^^^HOSP^PT';
const CELLS = '10*6{cells}^million cells^UCUM';

function rxa(dose: string, product: string, status: string, extra: Record<number, string> = {}): string {
  const f: Record<number, string> = { 1: '0', 2: dose, 3: '202103010930', 4: '202103011000', 5: product };
  Object.assign(f, { 6: '70', 7: CELLS, 20: status, 21: 'A' }, extra);
  return `RXA|${Array.from({ length: 21 }, (_, i) => f[i + 1] ?? '').join('|')}`;
}
function ras(segments: string[]): Resource[] {
  const msh = 'MSH|^~\\&|STRICT|HOSP|SB|SB|20210301120000+0800||RAS^O17^RAS_O17|RAS1|P|2.5.1';
  return mapMessage(parseMessage([msh, PID, 'ORC|RE', ...segments].join('\r')), mappings, RECEIVED).entries.map(
    (e) => e.resource,
  );
}
function errorOf(run: () => unknown): AdapterError {
  try {
    run();
  } catch (err) {
    if (err instanceof AdapterError) return err;
    throw err;
  }
  throw new Error('expected an AdapterError');
}
const of = <T extends Resource>(list: Resource[], type: T['resourceType']): T[] =>
  list.filter((r): r is T => r.resourceType === type);
const SAFETY = 'CTI|uc-msc-safety-rct';

describe('RAS^O17 with the study definitions', () => {
  it('When a blinded study infusion names a real product in RXA-5, then only the blinded product is written', () => {
    const out = ras([rxa('1', 'uc-msc^UC-MSC^L', 'CP'), 'RXR|IV', 'CTI|uc-msc-nafld-rct']);
    const [medication] = of<Medication>(out, 'Medication');
    expect(medication?.code?.coding?.map((c) => c.code)).toEqual(['uc-msc-or-placebo-blinded']);
    expect(JSON.stringify(out)).not.toMatch(/"code":"uc-msc"|UC-MSC\^/);
  });

  it('When an open-label study infusion names no product of the study, then RXA-5.1 is refused', () => {
    const err = errorOf(() => ras([rxa('1', 'saline^Saline^L', 'CP'), 'RXR|IV', SAFETY]));
    expect(err.outcome.issue?.[0]?.expression).toEqual(['RXA[1].5.1']);
  });

  it.each(['NA', 'RE'])('When RXA-20 is %s, then the infusion is not-done with the reason and no dosage', (code) => {
    const out = ras([rxa('2', 'uc-msc', code, { 4: '', 18: '^fever' }), 'RXR|IV', SAFETY]);
    const [admin] = of<MedicationAdministration>(out, 'MedicationAdministration');
    expect(admin).toMatchObject({ status: 'not-done', statusReason: [{ text: 'fever' }] });
    expect(admin?.dosage).toBeUndefined();
    expect(admin?.effectiveDateTime).toBe('2021-03-01T09:30:00+08:00');
  });

  it('When the RXR of the administration is not intravenous, then RXR-1 is refused', () => {
    const err = errorOf(() => ras([rxa('1', 'uc-msc', 'CP'), 'RXR|IM^Intramuscular^HL70162', SAFETY]));
    expect(err.outcome.issue?.[0]?.expression).toEqual(['RXR[1].1.1']);
  });

  it('When the order carries a per-kg prescription without a body weight, then the text says the prescription only', () => {
    const out = ras(['RXE||uc-msc|1||10*6{cells}/kg', 'RXR|IV', rxa('1', 'uc-msc', 'CP'), 'RXR|IV', SAFETY]);
    const [admin] = of<MedicationAdministration>(out, 'MedicationAdministration');
    expect(admin?.dosage?.text).toBe('Dose 1 of 3; 1 x 10^6 cells/kg');
    expect(admin?.dosage?.dose?.value).toBe(70);
  });

  it('When the order has no per-kg prescription, then the text gives the total in millions of cells', () => {
    const out = ras([rxa('1', 'uc-msc', 'CP', { 7: '10\\S\\6 cells' }), 'RXR|IV', SAFETY]);
    const [admin] = of<MedicationAdministration>(out, 'MedicationAdministration');
    expect(admin?.dosage?.text).toBe('Dose 1 of 3; 70 x 10^6 cells');
  });

  it('When two infusions of one message share a lot, then they share one Medication', () => {
    const out = ras([
      rxa('1', 'uc-msc', 'CP', { 15: 'L1' }),
      'RXR|IV',
      rxa('2', 'uc-msc', 'CP', { 15: 'L1' }),
      'RXR|IV',
      SAFETY,
    ]);
    expect(of(out, 'Medication')).toHaveLength(1);
    const admins = of<MedicationAdministration>(out, 'MedicationAdministration');
    expect(admins.map((a) => a.identifier?.[0]?.value)).toEqual([
      'uc-msc-safety-rct/S-009/dose-1',
      'uc-msc-safety-rct/S-009/dose-2',
    ]);
    expect(new Set(admins.map((a) => a.medicationReference?.reference)).size).toBe(1);
  });
});

describe('ORU^R01 with a CTI', () => {
  const OBR = (n: string) => `OBR|${n}|PL${n}|FL${n}|4548-4^HbA1c^LN|||20261120073000+0800`;
  const OBX = 'OBX|1|NM|A1C^HbA1c^L||7.1|%|||||F';

  it('When only one of two order groups has a CTI, then only its results carry the study and its visit', () => {
    const mapped = mapMessage(
      oru([PID, OBR('1'), OBX, 'CTI|uc-msc-safety-rct||week-12', OBR('2'), OBX]),
      mappings,
      RECEIVED,
    );
    const resources = mapped.entries.map((e) => e.resource);
    const [inStudy, outside] = of<Observation>(resources, 'Observation');
    const study = mapped.entries.find((e) => e.resource.resourceType === 'ResearchStudy')?.fullUrl;
    expect(inStudy?.extension).toEqual([
      { url: 'http://hl7.org/fhir/StructureDefinition/workflow-researchStudy', valueReference: { reference: study } },
    ]);
    expect(inStudy?.encounter?.reference).toBe(
      mapped.entries.find((e) => e.resource.resourceType === 'Encounter')?.fullUrl,
    );
    expect(outside?.extension).toBeUndefined();
    expect(outside?.encounter).toBeUndefined();
  });

  it('When two order groups name the same study, then the message writes one ResearchStudy and one ResearchSubject', () => {
    const mapped = mapMessage(
      oru([PID, OBR('1'), OBX, 'CTI|uc-msc-safety-rct|FU', OBR('2'), OBX, 'CTI|uc-msc-safety-rct|FU']),
      mappings,
      RECEIVED,
    );
    const types = mapped.entries.map((e) => e.resource.resourceType);
    expect(types.filter((t) => t === 'ResearchStudy')).toHaveLength(1);
    expect(types.filter((t) => t === 'ResearchSubject')).toHaveLength(1);
    const subject = mapped.entries.find((e) => e.resource.resourceType === 'ResearchSubject');
    expect(subject?.resource).toMatchObject({ status: 'follow-up' });
    expect(subject?.request.method).toBe('POST');
  });

  it('When CTI-2 is not a phase studybridge knows, then it is refused', () => {
    const err = errorOf(() =>
      mapMessage(oru([PID, OBR('1'), OBX, 'CTI|uc-msc-safety-rct|PHASE2']), mappings, RECEIVED),
    );
    expect(err.outcome.issue?.[0]?.expression).toEqual(['CTI[1].2.1']);
  });
});
