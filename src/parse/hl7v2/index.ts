/** The HL7 v2 parse stage: the only entry point other stages should import from. */
export { parseMessage } from './parse-hl7v2.ts';
export { parseBatch } from './split-batch.ts';
export { startsWithBatchHeader } from './batch-header.ts';
export { decodeInput, DEFAULT_MAX_BYTES, type DecodedInput } from './decode-input.ts';
export { resolveCharset, type Hl7Charset } from './charsets.ts';
export { unescapeHl7 } from './unescape.ts';
export { formatLocation } from './location.ts';
export { DEFAULT_ENCODING } from './encoding-characters.ts';
export {
  parseHl7DateTime,
  toFhirInstant,
  type Hl7DateTime,
  type Hl7DateTimeOptions,
  type Hl7DateTimePrecision,
} from './hl7-datetime.ts';
export { parseHl7Number, requireHl7Number, type Hl7Number } from './hl7-number.ts';
export { HL7_NULL, isHl7Null } from './hl7-null.ts';
export { SUPPORTED_HL7_VERSIONS, isSupportedHl7Version } from './hl7-version.ts';
export type * from './types.ts';
