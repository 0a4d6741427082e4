import { v5 as uuidv5 } from 'uuid';

// A fixed namespace for studybridge's name-based UUIDs; changing it would change every generated id.
const NAMESPACE = '6f1d3c1e-4f0b-5b8e-9a57-1c2f5e0d7a10';

/**
 * A name-based (v5) UUID: the same name always gives the same UUID, so converting a message twice gives the same
 * Bundle, and expected outputs need no id stripping.
 * @param name - What the id stands for, e.g. `sender|controlId|rule|segment`.
 * @returns The UUID.
 */
export function deterministicUuid(name: string): string {
  return uuidv5(name, NAMESPACE);
}
