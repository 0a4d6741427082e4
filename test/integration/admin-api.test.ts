/**
 * The admin API over the message store: listing pages are capped whatever the client asks for, paging with
 * `before` walks every message once, and unknown ids or states are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from './support/http.ts';
import { startInProcess, type InProcessService } from './support/in-process.ts';

const STORED = 1001;

describe('GET /messages', () => {
  let running: InProcessService;
  let api: Api;

  beforeAll(async () => {
    running = await startInProcess();
    api = new Api(running.service.url);
    // One HTTP batch of 1001 small messages of a type the mappings do not handle: each is stored as failed.
    const messages = Array.from({ length: STORED }, (_, i) => `MSH|^~\\&|APP|FAC|||20250101||ADT^A01|C${i}|P|2.5.1`);
    const body = ['FHS|^~\\&|APP|FAC', 'BHS|^~\\&|APP|FAC', ...messages, `BTS|${STORED}`, 'FTS|1', ''].join('\r');
    const res = await api.postHl7(body);
    expect(res.status).toBe(200);
    expect((await api.messages('?limit=1')).counts.failed).toBe(STORED);
  });
  afterAll(() => running?.close());

  it.each(['?limit=5000', '?limit=-1', '?limit=-1000', '?limit=1e9'])(
    'caps a page at 1000 messages (%s)',
    async (q) => {
      const page = await api.messages(q);
      expect(page.messages.length).toBeGreaterThan(0);
      expect(page.messages.length).toBeLessThanOrEqual(1000);
    },
  );

  it('pages backwards with before= through every message exactly once', async () => {
    const seen: number[] = [];
    let before = '';
    for (;;) {
      const page = await api.messages(`?limit=300${before}`);
      if (page.messages.length === 0) break;
      expect(page.messages.length).toBeLessThanOrEqual(300);
      seen.push(...page.messages.map((m) => m.id));
      before = `&before=${page.messages.at(-1)!.id}`;
    }
    expect(seen).toHaveLength(STORED);
    expect(new Set(seen).size).toBe(STORED);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
  });

  it('refuses an unknown state with 400 and answers 404 for an unknown id', async () => {
    expect((await api.request('/messages?state=lost')).status).toBe(400);
    expect((await api.request('/messages/999999')).status).toBe(404);
    expect((await api.request('/messages/abc')).status).toBe(404);
    expect((await api.request('/messages/999999/replay', { method: 'POST' })).status).toBe(404);
    expect((await api.request('/messages/replay?state=lost', { method: 'POST' })).status).toBe(400);
  });
});
