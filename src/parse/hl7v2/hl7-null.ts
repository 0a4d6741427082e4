/**
 * HL7 "explicit null": a field sent as `""` means the receiver must delete what it holds, unlike an empty
 * field, which means "no information". Accessors return the two quote characters so the mapping stage can
 * tell the two apart.
 */
export const HL7_NULL = '""';

/**
 * @param value - A value returned by an accessor.
 * @returns True when the sender sent the HL7 null `""`.
 */
export function isHl7Null(value: string): boolean {
  return value === HL7_NULL;
}
