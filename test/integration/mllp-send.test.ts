/**
 * A real MLLP client that nobody on this project wrote — `mllp_send` from python-hl7 (Debian's python3-hl7) —
 * sends the example and several conformance cases; the ACKs it prints and the FHIR data it leads to are checked.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Bundle, Observation } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConverter } from '../../src/pipeline/create-converter.ts';
import type { ConvertFn } from '../../src/pipeline/convert-types.ts';
import { mshField, readAllMsa } from './support/hl7.ts';
import { Api } from './support/http.ts';
import { startInProcess, type InProcessService } from './support/in-process.ts';
import { CASES_DIR, EXAMPLE, MAPPINGS_DIR, PROFILES_DIR } from './support/paths.ts';
import { waitFor } from './support/wait-for.ts';

const run = promisify(execFile);

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).concat('/usr/bin')) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const MLLP_SEND = findOnPath('mllp_send');
const MISSING = 'mllp_send is not installed (apt-get install python3-hl7)';

/**
 * The first ACK a sender should get for a stored message: AA in original mode (MSH-15 and MSH-16 empty), CA
 * in enhanced mode when MSH-15 asks for a commit ACK on success (AL, SU, or empty).
 */
function expectedAckCode(text: string): string {
  const accept = mshField(text, 15);
  const application = mshField(text, 16);
  if (accept === '' && application === '') return 'AA';
  if (['AL', 'SU', ''].includes(accept)) return 'CA';
  throw new Error(`this test has no expectation for MSH-15 ${accept} / MSH-16 ${application}`);
}

/** Conformance cases with the standard delimiters (mllp_send --loose splits a file on `MSH|^~\&|`). */
const CASES = [
  'value-type-nm',
  'sn-equals',
  'units-glucose-mg-dl-to-mmol-l',
  'unmapped-code-pass-through',
  'tz-obx14-with-offset',
  'nte-after-obx',
  'bad-nm-not-numeric',
];

describe('mllp_send (python-hl7) against the service', () => {
  let running: InProcessService | undefined;
  let api: Api;
  let convert: ConvertFn;
  let port = 0;
  const tmp = mkdtempSync(path.join(tmpdir(), 'studybridge-mllp-send-'));

  beforeAll(async () => {
    if (!MLLP_SEND) return;
    [running, convert] = await Promise.all([
      startInProcess(),
      createConverter({ mappingsDir: MAPPINGS_DIR, profilesDir: PROFILES_DIR }),
    ]);
    api = new Api(running.service.url);
    port = running.service.mllp!.port;
  });

  afterAll(async () => {
    await running?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('is installed (required in CI)', (ctx) => {
    if (!MLLP_SEND) {
      if (process.env.CI) expect.fail(`${MISSING}; CI must install it`);
      ctx.skip(`${MISSING}; skipped outside CI`);
    }
    expect(MLLP_SEND).toBeTruthy();
  });

  it('sends the example: the printed ACK accepts it, and its HbA1c reaches the FHIR server', async (ctx) => {
    if (!MLLP_SEND) return ctx.skip(MISSING);
    const text = readFileSync(EXAMPLE, 'utf8');
    const { stdout } = await run(MLLP_SEND, ['--loose', '-f', EXAMPLE, '-p', String(port), '127.0.0.1'], {
      timeout: 20_000,
    });
    const acks = readAllMsa(stdout);
    expect(acks).toEqual([{ code: expectedAckCode(text), controlId: mshField(text, 10) }]);
    // The example asks for a commit ACK only (MSH-15 AL, MSH-16 NE).
    expect(acks[0]!.code).toBe('CA');

    // Where to look: the Patient identifier the converter gives this message.
    const [converted] = await convert(text);
    const patient = converted!.bundle!.entry!.find((e) => e.resource?.resourceType === 'Patient')!.resource!;
    const id = (patient as { identifier: Array<{ system: string; value: string }> }).identifier[0]!;
    const query =
      `Observation?code=${encodeURIComponent('http://loinc.org|4548-4')}` +
      `&subject:Patient.identifier=${encodeURIComponent(`${id.system}|${id.value}`)}`;
    const found = await waitFor(
      async () => {
        const bundle = await api.search(query);
        return (bundle.entry?.length ?? 0) > 0 ? bundle : undefined;
      },
      20_000,
      'the HbA1c Observation on the FHIR server',
    );
    expect(found.entry).toHaveLength(1);
    const obs = found.entry![0]!.resource as Observation;
    expect(obs.valueQuantity).toMatchObject({ value: 7.2, unit: '%', system: 'http://unitsofmeasure.org', code: '%' });
    expect(obs.code.coding).toContainEqual(expect.objectContaining({ system: 'http://loinc.org', code: '4548-4' }));

    const stored = await api.messages();
    expect(stored.messages.find((m) => m.controlId === mshField(text, 10))).toMatchObject({
      state: 'delivered',
      transport: 'mllp',
    });
  });

  it('sends several conformance cases in one file: one ACK each, in order; every Observation lands once', async (ctx) => {
    if (!MLLP_SEND) return ctx.skip(MISSING);
    const texts = CASES.map((c) => readFileSync(path.join(CASES_DIR, `${c}.hl7`), 'utf8'));
    const file = path.join(tmp, 'several.hl7');
    writeFileSync(file, texts.join('\n'));
    const { stdout } = await run(MLLP_SEND, ['--loose', '-f', file, '-p', String(port), '127.0.0.1'], {
      timeout: 20_000,
    });
    const acks = readAllMsa(stdout);
    expect(acks).toEqual(texts.map((t) => ({ code: expectedAckCode(t), controlId: mshField(t, 10) })));

    // Every message is stored; the good ones are delivered, the broken one waits as failed.
    const results = await Promise.all(texts.map((t) => convert(t)));
    const ids = texts.map((t) => mshField(t, 10));
    await waitFor(
      async () => {
        const list = await api.messages('?limit=1000');
        return ids.every((cid, i) => {
          const m = list.messages.find((x) => x.controlId === cid);
          return m?.state === (results[i]![0]!.ok ? 'delivered' : 'failed');
        });
      },
      20_000,
      'every case delivered (or failed, for the broken one)',
    );
    expect(results.filter((r) => !r[0]!.ok)).toHaveLength(1);

    for (const [i, result] of results.entries()) {
      if (!result[0]!.ok) continue;
      const observations = result[0]!.bundle!.entry!.filter((e) => e.resource?.resourceType === 'Observation');
      expect(observations.length, CASES[i]).toBeGreaterThan(0);
      for (const entry of observations) {
        const identifier = (entry.resource as Observation).identifier![0]!;
        const bundle = await api.search(
          `Observation?identifier=${encodeURIComponent(`${identifier.system}|${identifier.value}`)}&_summary=count`,
        );
        expect((bundle as Bundle).total, `${CASES[i]} ${identifier.value}`).toBe(1);
      }
    }
  });
});
