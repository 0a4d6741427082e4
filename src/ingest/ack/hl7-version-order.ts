/** The version we write when the message's own cannot be read (and the one our minimal ACK declares). */
export const DEFAULT_ACK_VERSION = '2.5.1';

function parts(version: string): number[] | undefined {
  const m = /^\s*(\d+)\.(\d+)(?:\.(\d+))?/.exec(version);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

/**
 * Compares an HL7 version (MSH-12.1) with a threshold, number by number (`2.10` is after `2.9`).
 * @param version - As sent; when it is not a version number, {@link DEFAULT_ACK_VERSION} is assumed.
 * @param threshold - e.g. `2.5`.
 * @returns True when `version` is the threshold or later.
 */
export function versionAtLeast(version: string, threshold: string): boolean {
  const v = parts(version) ?? (parts(DEFAULT_ACK_VERSION) as number[]);
  const t = parts(threshold) as number[];
  for (let i = 0; i < 3; i++) {
    const a = v[i] as number;
    const b = t[i] as number;
    if (a !== b) return a > b;
  }
  return true;
}
