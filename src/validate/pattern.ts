/**
 * FHIR `fixed[x]`: the value must equal the fixed value exactly (same properties, same array items in order).
 * @param value - A JSON value from the instance.
 * @param fixed - The fixed value from the profile.
 * @returns true when equal.
 */
export function matchesFixed(value: unknown, fixed: unknown): boolean {
  if (value === fixed) return true;
  if (typeof value !== 'object' || typeof fixed !== 'object' || value === null || fixed === null) return false;
  if (Array.isArray(value) !== Array.isArray(fixed)) return false;
  const a = value as Record<string, unknown>;
  const b = fixed as Record<string, unknown>;
  const keys = Object.keys(b);
  if (Object.keys(a).length !== keys.length) return false;
  return keys.every((k) => matchesFixed(a[k], b[k]));
}

/**
 * FHIR `pattern[x]`: every property the pattern sets must be present with that value; for arrays, every
 * pattern item must match some instance item. Other properties of the instance are free.
 * @param value - A JSON value from the instance.
 * @param pattern - The pattern from the profile.
 * @returns true when the value contains the pattern.
 */
export function matchesPattern(value: unknown, pattern: unknown): boolean {
  if (value === pattern) return true;
  if (typeof value !== 'object' || typeof pattern !== 'object' || value === null || pattern === null) return false;
  if (Array.isArray(pattern)) {
    return Array.isArray(value) && pattern.every((p) => value.some((v) => matchesPattern(v, p)));
  }
  if (Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  for (const [k, p] of Object.entries(pattern)) {
    if (!matchesPattern(v[k], p)) return false;
  }
  return true;
}
