import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { messageStoreContract, testMessage } from './message-store.contract.ts';
import { openSqliteMessageStore, type SqliteMessageStoreOptions } from './sqlite-message-store.ts';
import { SCHEMA_VERSION } from './sqlite-schema.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'sb-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshFile = (): string => path.join(dir, `db-${n++}`, 'messages.db');

messageStoreContract('SqliteMessageStore (file)', () => openSqliteMessageStore({ file: freshFile() }));
messageStoreContract('SqliteMessageStore (:memory:)', () => openSqliteMessageStore({ file: ':memory:' }));

/** Opens a store that records every commit's batch size. */
function withCommits(options: Partial<SqliteMessageStoreOptions> = {}) {
  const commits: number[] = [];
  const file = options.file ?? freshFile();
  const store = openSqliteMessageStore({
    ...options,
    file,
    groupCommit: { ...options.groupCommit, onCommit: (size) => commits.push(size) },
  });
  return { store, commits, file };
}

describe('SqliteMessageStore', () => {
  it('When the store is closed and opened again, then messages, states and bytes are all there', async () => {
    const file = freshFile();
    const raw = new Uint8Array(4096).map((_, i) => (i * 7) % 256);
    const first = openSqliteMessageStore({ file });
    const [a, b] = (await first.append([testMessage({ raw }), testMessage({ orderKey: 'z' })])) as [number, number];
    await first.markRetry(b, { resourceType: 'OperationOutcome', issue: [] }, '2026-03-01T10:00:00Z');
    await first.close();
    const again = openSqliteMessageStore({ file });
    expect([...(again.raw(a) ?? [])]).toEqual([...raw]);
    expect(again.get(b)).toMatchObject({ attempts: 1, nextAttemptAt: '2026-03-01T10:00:00.000Z' });
    expect(again.countByState().converted).toBe(2);
    await again.close();
  });

  it('When appends come from 8 callers at once, then they share transactions and all commit', async () => {
    const { store, commits } = withCommits();
    const perCaller = 50;
    const caller = async (c: number): Promise<number[]> => {
      const ids: number[] = [];
      for (let i = 0; i < perCaller; i++) {
        const [id] = await store.append([testMessage({ controlId: `${c}-${i}`, orderKey: `k${c}` })]);
        ids.push(id ?? 0);
      }
      return ids;
    };
    const ids = (await Promise.all(Array.from({ length: 8 }, (_, c) => caller(c)))).flat();
    expect(new Set(ids).size).toBe(8 * perCaller);
    expect(commits.reduce((s, x) => s + x, 0)).toBe(8 * perCaller);
    // Each turn gathers one append per caller, so a commit carries ~8 messages.
    expect(commits.length).toBeLessThanOrEqual((8 * perCaller) / 4);
    expect(store.countByState().converted).toBe(8 * perCaller);
    await store.close();
  });

  it('When more messages queue than maxBatch, then no transaction carries more than maxBatch', async () => {
    const { store, commits } = withCommits({ groupCommit: { maxBatch: 3 } });
    await Promise.all(Array.from({ length: 10 }, () => store.append([testMessage()])));
    // One call bigger than the cap still goes in one transaction: an append is all or nothing.
    await store.append(Array.from({ length: 5 }, () => testMessage()));
    expect(commits).toEqual([3, 3, 3, 1, 5]);
    await store.close();
  });

  it('When maxDelayMs is set, then appends from separate turns within it share one commit', async () => {
    const { store, commits } = withCommits({ groupCommit: { maxDelayMs: 40 } });
    const first = store.append([testMessage()]);
    await new Promise((r) => setTimeout(r, 5));
    const second = store.append([testMessage()]);
    await Promise.all([first, second]);
    expect(commits).toEqual([2]);
    await store.close();
  });

  it('When one append in a batch holds a bad value, then only that caller is rejected', async () => {
    const { store, commits } = withCommits();
    const good1 = store.append([testMessage({ controlId: 'g1' })]);
    const bad = store.append([testMessage({ raw: 'not bytes' as unknown as Uint8Array })]);
    const good2 = store.append([testMessage({ controlId: 'g2' })]);
    await expect(bad).rejects.toMatchObject({ code: 'store.write-failed' });
    const ids = [...(await good1), ...(await good2)];
    expect(ids.map((id) => store.get(id)?.controlId)).toEqual(['g1', 'g2']);
    expect(commits).toEqual([2]);
    expect(store.list()).toHaveLength(2);
    await store.close();
  });

  it('When the transaction cannot be written, then every waiting append is rejected and the next one works', async () => {
    const { store, file } = withCommits({ busyTimeoutMs: 30 });
    await store.append([testMessage()]);
    // Another process (a CLI) holds the write lock longer than the busy timeout.
    const cli = new DatabaseSync(file);
    cli.exec('BEGIN IMMEDIATE');
    const waiting = Array.from({ length: 5 }, () => store.append([testMessage()]));
    const results = await Promise.allSettled(waiting);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'store.write-failed' });
    }
    cli.exec('COMMIT');
    cli.close();
    expect(store.countByState().converted).toBe(1);
    const [id] = await store.append([testMessage({ controlId: 'after' })]);
    expect(store.get(id ?? 0)?.controlId).toBe('after');
    await store.close();
  });

  it('When another connection reads while the service appends, then it sees the committed rows', async () => {
    const { store, file } = withCommits();
    const reader = new DatabaseSync(file, { readOnly: true, timeout: 1000 });
    const count = (): number => Number(reader.prepare('SELECT count(*) AS n FROM message').get()?.n);
    for (let round = 1; round <= 5; round++) {
      const writes = Promise.all(Array.from({ length: 20 }, () => store.append([testMessage()])));
      // A read while appends are queued sees the last committed state, never a partial batch.
      expect(count() % 20).toBe(0);
      await writes;
      expect(count()).toBe(round * 20);
    }
    reader.close();
    await store.close();
  });

  it('When close is called with appends queued, then they commit before the file closes', async () => {
    const file = freshFile();
    const store = openSqliteMessageStore({ file });
    const pending = store.append([testMessage({ controlId: 'last' })]);
    const closing = store.close();
    const [id] = await pending;
    await closing;
    const again = openSqliteMessageStore({ file });
    expect(again.get(id ?? 0)?.controlId).toBe('last');
    await again.close();
  });

  it('When more delivered messages are due for purging than one chunk, then all of them go', async () => {
    const { store, commits } = withCommits();
    const ids = await store.append(Array.from({ length: 2100 }, () => testMessage({ orderKey: null })));
    await Promise.all(ids.map((id) => store.markDelivered(id, '2026-01-01T00:00:00Z')));
    commits.length = 0;
    expect(await store.purgeDelivered('2026-02-01T00:00:00Z')).toBe(2100);
    // Two chunks, each its own short transaction (weight 1 each).
    expect(commits).toEqual([1, 1]);
    expect(store.countByState().delivered).toBe(0);
    await store.close();
  });

  it('When a file is opened, then it is in WAL mode at the current schema version', async () => {
    const { store, file } = withCommits();
    await store.close();
    const db = new DatabaseSync(file);
    expect(db.prepare('PRAGMA journal_mode').get()?.journal_mode).toBe('wal');
    expect(db.prepare('PRAGMA user_version').get()?.user_version).toBe(SCHEMA_VERSION);
    db.close();
    const reopened = openSqliteMessageStore({ file });
    expect(reopened.ping()).toBe(true);
    await reopened.close();
  });

  it('When the file was written by a newer schema version, then opening refuses it', async () => {
    const file = freshFile();
    await openSqliteMessageStore({ file }).close();
    const db = new DatabaseSync(file);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openSqliteMessageStore({ file })).toThrow(/newer/);
  });
});
