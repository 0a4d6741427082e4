/** HL7 v2 acknowledgments: which codes to send, and the ACK messages themselves. */
export { AckCode, ACK_CODES, ackRowFor, Hl7ErrorCode, HL7_ERROR_CODE_TEXT, type AckRow } from './ack-codes.ts';
export { ackHeaderFromSegment, type AckHeader, type RawHeaderSegment } from './ack-header.ts';
export { buildAck, SEGMENT_END, type AckIdentity, type BuildAckOptions } from './build-ack.ts';
export { buildBatchAck, type BatchEnvelope, type BuildBatchAckOptions } from './build-batch-ack.ts';
export { createControlIdGenerator, defaultControlIds, type ControlIdGenerator } from './control-id.ts';
export { AckCondition, decideAcks, type AckDecisionInput } from './decide-acks.ts';
export { encodeAck, FALLBACK_CHARSET, type EncodedAck } from './encode-ack.ts';
export { buildErrSegments, MAX_ERR_ENTRIES, parseHl7Location, type ErrorLocation } from './err-segment.ts';
export { escapeHl7, STANDARD_DELIMITERS, type Hl7Delimiters } from './escape-hl7.ts';
export { readHeader, readHeaderSegment } from './read-header.ts';
