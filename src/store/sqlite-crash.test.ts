import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteMessageStore } from './sqlite-message-store.ts';
import { crashPayload } from './test-support/append-until-killed.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const NODE = path.join(ROOT, 'node_modules/.bin/node');
const SCRIPT = path.join(import.meta.dirname, 'test-support/append-until-killed.ts');
const dir = mkdtempSync(path.join(tmpdir(), 'sb-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the appender until it has acknowledged `atLeast` messages, then kills it with SIGKILL. */
async function appendThenKill(file: string, atLeast: number): Promise<Map<number, number>> {
  const child = spawn(NODE, ['--no-warnings', SCRIPT, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acked = new Map<number, number>();
  let buffered = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const [id, seq] = line.split(' ').map(Number);
        acked.set(id ?? -1, seq ?? -1);
      }
      if (acked.size >= atLeast) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    void exited.then(() => reject(new Error(`appender exited early: ${stderr}`)));
  });
  expect(await exited).toBe('SIGKILL');
  return acked;
}

describe('SqliteMessageStore crash safety', () => {
  it('When the writer is killed mid-run, then every id it acknowledged is stored with intact bytes', async () => {
    const file = path.join(dir, 'crash', 'messages.db');
    const acked = await appendThenKill(file, 500);
    const store = openSqliteMessageStore({ file });
    const missing: number[] = [];
    for (const [id, seq] of acked) {
      const raw = store.raw(id);
      if (!raw || Buffer.compare(Buffer.from(raw), Buffer.from(crashPayload(seq))) !== 0) missing.push(id);
      else expect(store.get(id)?.controlId).toBe(String(seq));
    }
    expect(missing).toEqual([]);
    // The store is usable after the crash (WAL recovered) and continues the id sequence.
    const [next] = await store.append([
      {
        transport: 'cli',
        sender: '',
        controlId: null,
        messageType: null,
        receivedAt: '2026-03-01T00:00:00Z',
        raw: new Uint8Array([1]),
        state: 'received',
      },
    ]);
    expect(next).toBeGreaterThan(Math.max(...acked.keys()));
    await store.close();
  });
});
