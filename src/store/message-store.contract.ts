import type { OperationOutcome } from '@medplum/fhirtypes';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MessageStore, NewMessage } from './message-store.ts';
import { testMessage } from './test-support/test-message.ts';

export { testMessage };

/** Makes a fresh, empty store for one test. */
export type StoreFactory = () => MessageStore | Promise<MessageStore>;

const T0 = Date.parse('2026-03-01T10:00:00Z');
const at = (offsetMs: number): string => new Date(T0 + offsetMs).toISOString();
const problem = (text: string): OperationOutcome => ({
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code: 'transient', diagnostics: text }],
});

/**
 * Registers the behaviour every {@link MessageStore} must show, for one implementation.
 * @param name - Shown in the test names.
 * @param factory - A new, empty store per test; the suite closes it.
 */
export function messageStoreContract(name: string, factory: StoreFactory): void {
  describe(`MessageStore contract: ${name}`, () => {
    let store: MessageStore;
    beforeEach(async () => {
      store = await factory();
    });
    afterEach(async () => {
      await store.close();
    });
    const claim = (now = T0, exclude: string[] = [], limit = 100): number[] =>
      store.claimDue({ now, limit, exclude: new Set(exclude) }).map((d) => d.id);
    const keyed = (key: string | null, extra: Partial<NewMessage> = {}): NewMessage =>
      testMessage({ orderKey: key, ...extra });

    it('When messages are appended, then ids come back in input order and every field and byte is kept', async () => {
      const raw = new Uint8Array([0x0b, 0x4d, 0x53, 0x48, 0x00, 0xff, 0x1c, 0x0d]);
      const ids = await store.append([keyed('a', { raw, controlId: 'X9' }), keyed('a', { state: 'received' })]);
      expect(ids).toHaveLength(2);
      expect(ids[1]).toBeGreaterThan(ids[0] ?? Infinity);
      const [first, second] = ids as [number, number];
      expect(store.get(first)).toMatchObject({
        id: first,
        transport: 'mllp',
        sender: 'LIS|SITE1',
        controlId: 'X9',
        messageType: 'ORU^R01',
        receivedAt: at(0),
        state: 'converted',
        orderKey: 'a',
        attempts: 0,
        lastError: null,
        nextAttemptAt: null,
        deliveredAt: null,
      });
      expect([...(store.raw(first) ?? [])]).toEqual([...raw]);
      expect(store.bundle(first)).toContain('"transaction"');
      expect(store.get(second)?.state).toBe('received');
      expect(store.bundle(second)).toBeUndefined();
      expect(store.get(9999)).toBeUndefined();
      expect(store.raw(9999)).toBeUndefined();
    });

    it('When appends are issued concurrently, then ids follow call order', async () => {
      const calls = Array.from({ length: 20 }, (_, i) => store.append([keyed(null, { controlId: `c${i}` })]));
      const ids = (await Promise.all(calls)).map((r) => r[0] ?? 0);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(20);
      expect(ids.map((id) => store.get(id)?.controlId)).toEqual(ids.map((_, i) => `c${i}`));
    });

    it('When a failed message carries its error, then it is kept as lastError and never claimed', async () => {
      const [id] = await store.append([keyed('a', { state: 'failed', bundle: undefined, error: problem('bad') })]);
      expect(store.get(id ?? 0)?.lastError).toEqual(problem('bad'));
      expect(claim()).toEqual([]);
    });

    it('When a converted message has no bundle, then the append rejects with store.write-failed and stores nothing', async () => {
      await expect(store.append([keyed('a'), keyed('a', { bundle: undefined })])).rejects.toMatchObject({
        code: 'store.write-failed',
      });
      expect(store.list()).toEqual([]);
    });

    it('When messages of different keys are due, then claimDue returns them oldest first up to the limit', async () => {
      const ids = await store.append([keyed('a'), keyed('b'), keyed('c')]);
      const due = store.claimDue({ now: T0, limit: 2, exclude: new Set() });
      expect(due.map((d) => d.id)).toEqual(ids.slice(0, 2));
      expect(due[0]).toEqual({ id: ids[0], orderKey: 'a', attempts: 0, bundle: testMessage().bundle });
    });

    it('When the original is in backoff, then its correction is not claimed until the original is delivered', async () => {
      const [original, correction, other] = (await store.append([keyed('p1'), keyed('p1'), keyed('p2')])) as [
        number,
        number,
        number,
      ];
      expect(claim()).toEqual([original, other]);
      await store.markRetry(original, problem('503'), at(60_000));
      await store.markDelivered(other, at(1));
      expect(claim(T0 + 1000)).toEqual([]);
      expect(claim(T0 + 60_000)).toEqual([original]);
      await store.markDelivered(original, at(60_001));
      expect(claim(T0 + 60_001)).toEqual([correction]);
    });

    it('When the original is dead or failed, then later messages of its key are not blocked', async () => {
      const [dead, afterDead] = (await store.append([keyed('p1'), keyed('p1')])) as [number, number];
      const [, afterFailed] = (await store.append([
        keyed('p2', { state: 'failed', bundle: undefined, error: problem('map') }),
        keyed('p2'),
      ])) as [number, number];
      expect(claim()).toEqual([dead, afterFailed]);
      await store.markDead(dead, problem('422'));
      expect(claim()).toEqual([afterDead]);
    });

    it('When an older message of the key still awaits conversion, then it blocks; without a key it blocks nothing', async () => {
      const [, blocked] = (await store.append([
        keyed('p1', { state: 'received', bundle: undefined }),
        keyed('p1'),
      ])) as [number, number];
      const [, free] = (await store.append([keyed(null, { state: 'received', bundle: undefined }), keyed(null)])) as [
        number,
        number,
      ];
      expect(claim()).toEqual([free]);
      expect(blocked).toBeLessThan(free);
    });

    it('When keys are excluded, then their messages are skipped and others still come', async () => {
      const ids = await store.append([keyed('a'), keyed('b'), keyed('a'), keyed(null)]);
      expect(claim(T0, ['a'])).toEqual([ids[1], ids[3]]);
    });

    it('When messages have no order key, then each is claimable on its own, even behind one in backoff', async () => {
      const [first, second] = (await store.append([keyed(null), keyed(null)])) as [number, number];
      expect(claim()).toEqual([first, second]);
      await store.markRetry(first, problem('timeout'), at(10_000));
      await store.markDelivered(second, at(1));
      expect(claim(T0 + 5000)).toEqual([]);
      expect(claim(T0 + 10_000)).toEqual([first]);
    });

    it('When a message was claimed, then it is not handed out again until its outcome is recorded', async () => {
      const [id] = (await store.append([keyed(null)])) as [number];
      expect(claim()).toEqual([id]);
      expect(claim()).toEqual([]);
      await store.markRetry(id, problem('503'), at(0));
      expect(claim()).toEqual([id]);
    });

    it('When recording the outcome of a claim fails, then the message can be claimed again', async () => {
      const [id] = (await store.append([keyed(null)])) as [number];
      expect(claim()).toEqual([id]);
      await expect(store.markRetry(id, problem('x'), 'not a time')).rejects.toMatchObject({
        code: 'store.write-failed',
      });
      expect(claim()).toEqual([id]);
    });

    it('When a retry is recorded, then attempts grow, the error and the next time are kept', async () => {
      const [id] = (await store.append([keyed('a')])) as [number];
      await store.markRetry(id, problem('first'), '2026-03-01T11:00:00+01:00');
      await store.markRetry(id, problem('second'), at(120_000));
      const m = store.get(id);
      expect(m).toMatchObject({ state: 'converted', attempts: 2, nextAttemptAt: at(120_000) });
      expect(m?.lastError).toEqual(problem('second'));
      expect(store.claimDue({ now: T0 + 120_000, limit: 1, exclude: new Set() })[0]?.attempts).toBe(2);
    });

    it('When a message is marked dead or delivered, then state, attempts and times say so', async () => {
      const [a, b] = (await store.append([keyed('a'), keyed('b')])) as [number, number];
      await store.markDead(a, problem('rejected'));
      await store.markDelivered(b, '2026-03-01T12:00:00+01:00');
      expect(store.get(a)).toMatchObject({ state: 'dead', attempts: 1, lastError: problem('rejected') });
      expect(store.get(b)).toMatchObject({ state: 'delivered', deliveredAt: at(3_600_000), attempts: 0 });
    });

    it('When a mark names an unknown message or a bad instant, then it rejects with store.write-failed', async () => {
      const [id] = (await store.append([keyed('a')])) as [number];
      await expect(store.markDelivered(424242, at(0))).rejects.toMatchObject({ code: 'store.write-failed' });
      await expect(store.markRetry(id, problem('x'), 'soon')).rejects.toMatchObject({ code: 'store.write-failed' });
      expect(store.get(id)).toMatchObject({ state: 'converted', attempts: 0 });
    });

    it('When a dead message is re-converted, then it is due now with attempts reset and the new Bundle', async () => {
      const [id] = (await store.append([keyed('a')])) as [number];
      await store.markRetry(id, problem('503'), at(1000));
      await store.markDead(id, problem('gave up'));
      await store.setConversion(id, { state: 'converted', bundle: '{"v":2}', orderKey: 'a2' });
      expect(store.get(id)).toMatchObject({
        state: 'converted',
        attempts: 0,
        nextAttemptAt: null,
        lastError: null,
        orderKey: 'a2',
      });
      expect(store.claimDue({ now: T0, limit: 5, exclude: new Set() })).toEqual([
        { id, orderKey: 'a2', attempts: 0, bundle: '{"v":2}' },
      ]);
    });

    it('When re-conversion fails, then the message is failed with that error and has no Bundle', async () => {
      const [id] = (await store.append([keyed('a')])) as [number];
      await store.setConversion(id, { state: 'failed', error: problem('unmapped') });
      expect(store.get(id)).toMatchObject({ state: 'failed', lastError: problem('unmapped') });
      expect(store.bundle(id)).toBeUndefined();
      await expect(store.setConversion(id, { state: 'converted' })).rejects.toMatchObject({
        code: 'store.write-failed',
      });
    });

    it('When an older delivered message is replayed, then it goes before the newer pending ones of its key', async () => {
      const [old, newer] = (await store.append([keyed('k'), keyed('k')])) as [number, number];
      await store.markDelivered(old, at(1));
      await store.setConversion(old, { state: 'converted', bundle: '{}', orderKey: 'k' });
      expect(store.get(old)?.deliveredAt).toBeNull();
      expect(claim()).toEqual([old]);
      await store.markDelivered(old, at(2));
      expect(claim()).toEqual([newer]);
    });

    it('When a message moves to another key by re-conversion, then both keys get the right head', async () => {
      const [a1, a2, b1] = (await store.append([keyed('a'), keyed('a'), keyed('b')])) as [number, number, number];
      await store.setConversion(a1, { state: 'converted', bundle: '{}', orderKey: 'b' });
      // a1 is now older than b1 on key b, and a2 is alone on key a.
      expect(claim()).toEqual([a1, a2]);
      await store.markDelivered(a1, at(1));
      expect(claim()).toEqual([b1]);
    });

    it('When states are counted, then every state is present', async () => {
      expect(store.countByState()).toEqual({ received: 0, converted: 0, delivered: 0, failed: 0, dead: 0 });
      const [a] = (await store.append([
        keyed('a'),
        keyed('b'),
        keyed('c', { state: 'received', bundle: undefined }),
      ])) as [number];
      await store.markDelivered(a, at(0));
      expect(store.countByState()).toEqual({ received: 1, converted: 1, delivered: 1, failed: 0, dead: 0 });
    });

    it('When delivered messages are purged, then only those delivered before the cut-off go, with their bytes', async () => {
      const [early, late, pending] = (await store.append([keyed('a'), keyed('b'), keyed('c')])) as [
        number,
        number,
        number,
      ];
      await store.markDelivered(early, at(1000));
      await store.markDelivered(late, at(5000));
      expect(await store.purgeDelivered(at(5000))).toBe(1);
      expect(store.get(early)).toBeUndefined();
      expect(store.raw(early)).toBeUndefined();
      expect(store.get(late)?.state).toBe('delivered');
      expect(store.get(pending)?.state).toBe('converted');
      expect(await store.purgeDelivered(at(5000))).toBe(0);
      const [next] = (await store.append([keyed('d')])) as [number];
      expect(next).toBeGreaterThan(pending);
    });

    it('When listing, then newest come first, filtered by state and paged by id', async () => {
      const ids = await store.append(Array.from({ length: 5 }, (_, i) => keyed(`k${i}`)));
      await store.markDead(ids[1] ?? 0, problem('x'));
      await store.markDead(ids[3] ?? 0, problem('x'));
      expect(store.list().map((m) => m.id)).toEqual([...ids].reverse());
      expect(store.list({ limit: 2 }).map((m) => m.id)).toEqual([ids[4], ids[3]]);
      expect(store.list({ beforeId: ids[2] }).map((m) => m.id)).toEqual([ids[1], ids[0]]);
      expect(store.list({ states: ['dead'] }).map((m) => m.id)).toEqual([ids[3], ids[1]]);
      expect(store.list({ states: ['dead', 'converted'], beforeId: ids[3], limit: 2 }).map((m) => m.id)).toEqual([
        ids[2],
        ids[1],
      ]);
      expect(store.list({ states: [] })).toEqual([]);
    });

    it('When more than 100 messages exist, then list returns 100 by default', async () => {
      await store.append(Array.from({ length: 120 }, () => keyed(null)));
      expect(store.list()).toHaveLength(100);
    });

    it('When closed, then ping is false, appends reject with store.write-failed, and close can be called again', async () => {
      expect(store.ping()).toBe(true);
      await store.close();
      expect(store.ping()).toBe(false);
      await expect(store.append([keyed('a')])).rejects.toMatchObject({ code: 'store.write-failed' });
      await store.close();
    });
  });
}
