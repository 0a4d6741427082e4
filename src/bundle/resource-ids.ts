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

/**
 * Ids for the resources of one message: one name-based UUID for the message, and per resource the same UUID with
 * its last 48 bits replaced by the resource's position. Unique within the Bundle (where fullUrls must be unique),
 * deterministic, and one SHA-1 per message instead of one per resource (which cost 16 % of conversion time).
 * @param messageName - What identifies the message, e.g. `sender|controlId`.
 * @returns A function from a resource's position (0 … 2^48 − 1) to its UUID.
 */
export function messageUuids(messageName: string): (position: number) => string {
  const prefix = deterministicUuid(messageName).slice(0, 24);
  return (position) => prefix + position.toString(16).padStart(12, '0');
}
