/** Earliest and latest instants used for open ends of a Period. */
export const MIN_TIME = -8.64e15;
export const MAX_TIME = 8.64e15;

const DATE_RE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * Turns a FHIR date, dateTime or instant into the half-open range of epoch milliseconds it denotes: `2026` is the
 * whole year, `2026-11-20` the whole day, `2026-11-20T07:30:00+08:00` one second. FHIR search compares ranges, so
 * precision is kept rather than rounded to a point. A time without a zone is read as UTC.
 * @param value - The date text.
 * @returns `[lo, hi)` or undefined when the text is not a FHIR date.
 */
export function dateRange(value: string): [number, number] | undefined {
  const m = DATE_RE.exec(value);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = m[2] ? Number(m[2]) - 1 : undefined;
  const d = m[3] ? Number(m[3]) : undefined;
  if (mo === undefined) return [Date.UTC(y, 0, 1), Date.UTC(y + 1, 0, 1)];
  if (mo > 11) return undefined;
  if (d === undefined) return [Date.UTC(y, mo, 1), Date.UTC(y, mo + 1, 1)];
  if (m[4] === undefined) return [Date.UTC(y, mo, d), Date.UTC(y, mo, d + 1)];
  const zone = m[8];
  let offsetMs = 0;
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    offsetMs = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  const frac = m[7] ?? '';
  const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
  const lo = Date.UTC(y, mo, d, Number(m[4]), Number(m[5]), m[6] ? Number(m[6]) : 0, ms) - offsetMs;
  const width = frac ? 10 ** Math.max(0, 3 - frac.length) : m[6] !== undefined ? 1000 : 60_000;
  return [lo, lo + width];
}
