import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DeliveryTarget } from '../deliver/delivery-target.ts';
import { MemoryMessageStore } from '../store/memory-message-store.ts';
import { Readiness } from './readiness.ts';

/** A target whose ping answers what `answers` holds next, recording the signals it got. */
function target(...answers: Array<boolean | Error>) {
  const signals: (AbortSignal | undefined)[] = [];
  const t: DeliveryTarget = {
    description: 'fake',
    send: async () => ({ kind: 'delivered' }) as never,
    ping: async (signal) => {
      signals.push(signal);
      const next = answers.shift() ?? true;
      if (next instanceof Error) throw next;
      return next;
    },
  };
  return { target: t, signals };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Readiness', () => {
  it('When the store is open, then it is ready; closed or throwing, it is not', async () => {
    const store = new MemoryMessageStore();
    const readiness = new Readiness(store, target().target);
    expect(readiness.store()).toBe(true);
    await store.close();
    expect(readiness.store()).toBe(false);

    const broken = new MemoryMessageStore();
    broken.ping = () => {
      throw new Error('database is locked');
    };
    expect(new Readiness(broken, target().target).store()).toBe(false);
  });

  it('When the target answers or not, then target() says so, and a ping that throws counts as unreachable', async () => {
    expect(await new Readiness(new MemoryMessageStore(), target(true).target).target()).toBe(true);
    expect(await new Readiness(new MemoryMessageStore(), target(false).target).target()).toBe(false);
    expect(await new Readiness(new MemoryMessageStore(), target(new Error('ECONNREFUSED')).target).target()).toBe(
      false,
    );
  });

  it('When asked again within 5 s, then the last answer is reused; after that, the target is pinged again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const t = target(false, true);
    const readiness = new Readiness(new MemoryMessageStore(), t.target);
    expect(await readiness.target()).toBe(false);
    vi.setSystemTime(new Date('2026-01-01T00:00:05Z'));
    expect(await readiness.target()).toBe(false);
    expect(t.signals).toHaveLength(1);
    vi.setSystemTime(new Date('2026-01-01T00:00:05.001Z'));
    expect(await readiness.target()).toBe(true);
    expect(t.signals).toHaveLength(2);
    // Each ping is bounded by a timeout signal.
    expect(t.signals[0]).toBeInstanceOf(AbortSignal);
    expect(t.signals[0]?.aborted).toBe(false);
  });
});
