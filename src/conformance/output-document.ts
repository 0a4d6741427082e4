import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import type { ConvertedMessage } from '../pipeline/convert-types.ts';

/** What one message of an input turns into: its Bundle, or the OperationOutcome explaining why it failed. */
export type MessageDocument = Bundle | OperationOutcome;

/**
 * What `studybridge convert` prints and what a conformance expectation holds: one document for a lone
 * message, an array of them for a batch. The conformance runner compares exactly this, so an expectation
 * can be inspected by running `convert` on the case input.
 */
export type OutputDocument = MessageDocument | MessageDocument[];

/**
 * @param message - One converted message.
 * @returns Its Bundle when it succeeded, else its OperationOutcome.
 */
export function messageDocument(message: ConvertedMessage): MessageDocument {
  return message.ok && message.bundle ? message.bundle : message.outcome;
}

/**
 * @param messages - Every message of one input, in order.
 * @returns The lone message's document, or an array with one document per message (also for zero messages).
 */
export function toOutputDocument(messages: readonly ConvertedMessage[]): OutputDocument {
  const docs = messages.map(messageDocument);
  return docs.length === 1 && docs[0] ? docs[0] : docs;
}

/** @returns Every document of an output, whether it holds one or several. */
export function outputDocuments(doc: OutputDocument): MessageDocument[] {
  return Array.isArray(doc) ? doc : [doc];
}
