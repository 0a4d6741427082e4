import { fileURLToPath } from 'node:url';
import { validateResource } from '@medplum/core';
import { labObservation, oruResources } from './fixtures.ts';
import { loadValidator } from './load-validator.ts';
import { PROFILES_DIR } from './profile-gen/write-profiles.ts';

/** Results of {@link benchValidate}. */
export interface ValidateBenchResult {
  /** Resources validated per second over the 20-resource ORU^R01 mix (15 Observations). */
  resourcesPerSecond: number;
  /** Mean time to validate one profiled lab Observation. */
  perObservationMicros: number;
  /** Mean time to validate all 20 resources of one message. */
  perMessageMicros: number;
  /** For comparison: `@medplum/core` validateResource on the same Observation (base R4 only, no bindings). */
  medplumObservationMicros: number;
}

/**
 * Measures the validator on one core: a realistic lab Observation (studybridge-lab-observation, with
 * reference range) validated repeatedly, and the 20 resources of an ORU^R01 with 15 OBX. Each phase runs
 * for a fixed time after a warm-up, so the JIT has settled. Not a test: run it directly.
 * @param seconds - Measuring time per phase.
 * @returns Throughput figures.
 */
export async function benchValidate(seconds = 2): Promise<ValidateBenchResult> {
  const validator = await loadValidator({ profilesDir: PROFILES_DIR });
  const observation = labObservation(0);
  const message = oruResources();
  const invalid = [observation, ...message].flatMap((r) => validator.validate(r)).filter((i) => i.severity === 'error');
  if (invalid.length > 0) throw new Error(`Benchmark fixtures are invalid: ${JSON.stringify(invalid)}`);

  const perObservation = timeIt(() => validator.validate(observation), seconds);
  const perMessage = timeIt(() => {
    for (const r of message) validator.validate(r);
  }, seconds);
  const medplum = timeIt(() => validateResource(observation), seconds);
  return {
    resourcesPerSecond: Math.round((message.length * 1e6) / perMessage),
    perObservationMicros: round(perObservation),
    perMessageMicros: round(perMessage),
    medplumObservationMicros: round(medplum),
  };
}

/** @returns Mean µs per call of `fn` over `seconds`, after a warm-up of a quarter of that. */
function timeIt(fn: () => void, seconds: number): number {
  const run = (ms: number): number => {
    let calls = 0;
    const start = performance.now();
    let now = start;
    while (now - start < ms) {
      for (let i = 0; i < 100; i++) fn();
      calls += 100;
      now = performance.now();
    }
    return ((now - start) * 1000) / calls;
  };
  run(seconds * 250);
  return run(seconds * 1000);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

// `npx node src/validate/validate.bench.ts` prints the figures.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(await benchValidate());
}
