import type { NewMessage } from '../message-store.ts';

/**
 * Test data for store tests, the crash child and the benchmark; kept apart from the contract suite so that
 * importing it does not pull in vitest.
 * @param overrides - Fields to replace.
 * @returns A converted message with a small raw ORU header and Bundle, `overrides` applied.
 */
export function testMessage(overrides: Partial<NewMessage> = {}): NewMessage {
  return {
    transport: 'mllp',
    sender: 'LIS|SITE1',
    controlId: 'C1',
    messageType: 'ORU^R01',
    receivedAt: '2026-03-01T10:00:00.000Z',
    raw: new TextEncoder().encode('MSH|^~\\&|LIS|SITE1\r'),
    state: 'converted',
    bundle: '{"resourceType":"Bundle","type":"transaction"}',
    orderKey: 'Patient?identifier=x|1',
    ...overrides,
  };
}
