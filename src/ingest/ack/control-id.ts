import { randomBytes } from 'node:crypto';

/** A source of new message control IDs (MSH-10) for the messages we send. */
export type ControlIdGenerator = () => string;

/**
 * Creates a generator of unique control IDs of at most 16 characters (MSH-10 allows 20 in v2.5): a random
 * per-process tag (so two processes or restarts do not collide), the time in milliseconds and a counter, all in
 * base 36.
 * @param tag - Fixed prefix instead of the random tag (tests).
 * @returns The generator.
 */
export function createControlIdGenerator(tag?: string): ControlIdGenerator {
  const prefix = tag ?? randomBytes(3).readUIntBE(0, 3).toString(36).padStart(4, '0').slice(-4).toUpperCase();
  let counter = 0;
  return () => {
    counter = (counter + 1) % 36 ** 4;
    return `${prefix}${Date.now().toString(36).toUpperCase()}${counter.toString(36).toUpperCase().padStart(4, '0')}`;
  };
}

/** The generator used when a caller does not bring its own. */
export const defaultControlIds: ControlIdGenerator = createControlIdGenerator();
