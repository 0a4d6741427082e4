import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../observe/logger.ts';
import { MemoryMessageStore } from '../store/memory-message-store.ts';
import { testMessage } from '../store/test-support/test-message.ts';
import { RetentionTimer } from './retention.ts';

const DAY = 24 * 3_600_000;
const NOW = Date.parse('2026-06-01T12:00:00.000Z');

/** A logger recording info and warn calls. */
function recordingLogger() {
  const lines: { level: string; fields: unknown; text: string }[] = [];
  const logger = {
    info: (fields: unknown, text: string) => lines.push({ level: 'info', fields, text }),
    warn: (fields: unknown, text: string) => lines.push({ level: 'warn', fields, text }),
  } as unknown as Logger;
  return { logger, lines };
}

/** A store with a message delivered 31 days ago, one 29 days ago, and one not delivered. */
async function storeWithDelivered() {
  const store = new MemoryMessageStore();
  const [old, recent] = await store.append([testMessage(), testMessage(), testMessage()]);
  await store.markDelivered(old!, new Date(NOW - 31 * DAY).toISOString());
  await store.markDelivered(recent!, new Date(NOW - 29 * DAY).toISOString());
  return store;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('RetentionTimer', () => {
  it('When run, then delivered messages older than the retention period are deleted and the rest kept', async () => {
    const store = await storeWithDelivered();
    const { logger, lines } = recordingLogger();
    const deleted = await new RetentionTimer(store, 30, logger).runOnce(NOW);
    expect(deleted).toBe(1);
    expect(store.list().map((m) => [m.id, m.state])).toEqual([
      [3, 'converted'],
      [2, 'delivered'],
    ]);
    expect(lines).toEqual([
      { level: 'info', fields: { deleted: 1, days: 30 }, text: 'retention: delivered messages purged' },
    ]);
  });

  it('When nothing is old enough, then nothing is deleted and nothing is logged', async () => {
    const store = await storeWithDelivered();
    const { logger, lines } = recordingLogger();
    expect(await new RetentionTimer(store, 60, logger).runOnce(NOW)).toBe(0);
    expect(store.list()).toHaveLength(3);
    expect(lines).toEqual([]);
  });

  it('When the purge fails, then 0 is returned and a warning logged, without the error text', async () => {
    const store = await storeWithDelivered();
    await store.close();
    const { logger, lines } = recordingLogger();
    expect(await new RetentionTimer(store, 30, logger).runOnce(NOW)).toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', text: 'retention purge failed; will try again' });
    expect(lines[0]!.fields).toEqual({ error: 'AdapterError' });
  });

  it('When started, then it purges at once and every hour until stopped', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(NOW);
    const store = new MemoryMessageStore();
    const purge = vi.spyOn(store, 'purgeDelivered');
    const timer = new RetentionTimer(store, 30, recordingLogger().logger);
    timer.start();
    expect(purge).toHaveBeenCalledTimes(1);
    expect(purge).toHaveBeenLastCalledWith(new Date(NOW - 30 * DAY).toISOString());
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(purge).toHaveBeenCalledTimes(2);
    timer.stop();
    await vi.advanceTimersByTimeAsync(3 * 3_600_000);
    expect(purge).toHaveBeenCalledTimes(2);
  });

  it('When the retention is 0 days, then delivered messages are kept for ever', async () => {
    vi.useFakeTimers();
    const store = new MemoryMessageStore();
    const purge = vi.spyOn(store, 'purgeDelivered');
    const timer = new RetentionTimer(store, 0, recordingLogger().logger);
    timer.start();
    await vi.advanceTimersByTimeAsync(5 * 3_600_000);
    expect(purge).not.toHaveBeenCalled();
    timer.stop();
  });
});
