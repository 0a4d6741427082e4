import { describe, expect, it } from 'vitest';
import { MemoryMessageStore } from './memory-message-store.ts';
import { messageStoreContract, testMessage } from './message-store.contract.ts';

messageStoreContract('MemoryMessageStore', () => new MemoryMessageStore());

describe('MemoryMessageStore', () => {
  it('When the caller reuses its buffer after appending, then the stored bytes do not change', async () => {
    const store = new MemoryMessageStore();
    const raw = new Uint8Array([1, 2, 3]);
    const [id] = (await store.append([testMessage({ raw })])) as [number];
    raw[0] = 9;
    const copy = store.raw(id);
    if (copy) copy[1] = 9;
    expect([...(store.raw(id) ?? [])]).toEqual([1, 2, 3]);
  });
});
