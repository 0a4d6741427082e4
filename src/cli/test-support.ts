/**
 * Fakes for running commands in-process in tests: an in-memory {@link CliIo} and stages that return what a
 * test wants. Converted messages to feed them are in `src/conformance/test-fixtures.ts`.
 */
import type { ConvertFn } from '../pipeline/convert-types.ts';
import type { ResourceValidator } from '../validate/types.ts';
import type { CliIo } from './io.ts';
import type { Stages } from './stages.ts';

/** An in-memory {@link CliIo} with what was written. */
export interface MemoryIo extends CliIo {
  out(): string;
  err(): string;
}

/** @returns A fresh in-memory io. */
export function memoryIo(): MemoryIo {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    out: () => out,
    err: () => err,
  };
}

/** @returns Stages whose loaders resolve to the given fakes (or reject with what `fail` holds). */
export function fakeStages(parts: {
  convert?: ConvertFn;
  validator?: ResourceValidator;
  mappings?: unknown;
  fail?: { converter?: unknown; mappings?: unknown; validator?: unknown };
}): Stages & { calls: { converter: unknown[]; mappings: unknown[]; validator: unknown[] } } {
  const calls = { converter: [] as unknown[], mappings: [] as unknown[], validator: [] as unknown[] };
  return {
    calls,
    async createConverter(options) {
      calls.converter.push(options);
      if (parts.fail?.converter) throw parts.fail.converter;
      return parts.convert ?? (async () => []);
    },
    async loadMappings(dir) {
      calls.mappings.push(dir);
      if (parts.fail?.mappings) throw parts.fail.mappings;
      return parts.mappings ?? {};
    },
    async loadValidator(options) {
      calls.validator.push(options);
      if (parts.fail?.validator) throw parts.fail.validator;
      return parts.validator ?? { validate: () => [] };
    },
  };
}
