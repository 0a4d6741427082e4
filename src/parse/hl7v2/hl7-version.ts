/**
 * The HL7 v2 versions studybridge is built and tested for (MSH-12.1).
 *
 * Policy: the parse stage accepts every version, because ER7 syntax has not changed across 2.x and a
 * message's usefulness depends on its content, not its label; the mapping stage decides whether a version it
 * has no mapping for is rejected or converted with a warning, using {@link isSupportedHl7Version}.
 */
export const SUPPORTED_HL7_VERSIONS: readonly string[] = Object.freeze([
  '2.3',
  '2.3.1',
  '2.4',
  '2.5',
  '2.5.1',
  '2.6',
  '2.7',
  '2.7.1',
  '2.8',
  '2.8.1',
  '2.8.2',
]);

/**
 * @param version - MSH-12.1 as sent.
 * @returns True when the version is one of {@link SUPPORTED_HL7_VERSIONS} (surrounding blanks ignored).
 */
export function isSupportedHl7Version(version: string): boolean {
  return SUPPORTED_HL7_VERSIONS.includes(version.trim());
}
