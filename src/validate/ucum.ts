import { createRequire } from 'node:module';

/** The part of `@lhncbc/ucum-lhc` we use (the package ships no types). */
interface UcumUtils {
  validateUnitString(unit: string, suggest?: boolean): { status: 'valid' | 'invalid' | 'error' };
}

const MAX_CACHED = 10_000;

let utils: UcumUtils | undefined;
const verdicts = new Map<string, boolean>();

/**
 * Whether a unit code is a valid UCUM expression (case-sensitive: `mg/dL` yes, `MG/DL` no). The first
 * check of a code costs a few µs; answers are cached because a lab sends few distinct units.
 * @param code - `Quantity.code` of a quantity whose system is UCUM.
 * @returns true when valid.
 */
export function isValidUcum(code: string): boolean {
  const known = verdicts.get(code);
  if (known !== undefined) return known;
  utils ??= loadUcum();
  const valid = utils.validateUnitString(code, false).status === 'valid';
  // Bounded so that a stream of garbage units cannot grow memory without limit.
  if (verdicts.size < MAX_CACHED) verdicts.set(code, valid);
  return valid;
}

function loadUcum(): UcumUtils {
  // The package is CommonJS without type declarations; require() keeps its typing local to this file.
  const pkg = createRequire(import.meta.url)('@lhncbc/ucum-lhc') as { UcumLhcUtils: { getInstance(): UcumUtils } };
  return pkg.UcumLhcUtils.getInstance();
}
