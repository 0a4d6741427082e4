import { readFileSync } from 'node:fs';
import path from 'node:path';
import { StubFhirServer } from '../src/deliver/testing/stub-fhir-server.ts';
import { MllpClient } from '../src/ingest/mllp/mllp-client.ts';
import { ServiceProcess } from '../test/integration/support/service-process.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

/**
 * Distinct ORU^R01 messages from the example: each its own control ID and order numbers, 500 patients in turn,
 * original acknowledgment mode (MSH-15/16 emptied), so each is one AA after the durable commit.
 */
export function benchMessages(count: number): Buffer[] {
  const template = readFileSync(path.join(ROOT, 'examples/oru-r01-diabetes-panel.hl7'), 'utf8').replace(/\r?\n/g, '\r');
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const n = String(i).padStart(7, '0');
    const text = template
      .replace('|BENCH0001|P|2.5.1|||AL|NE|', `|B${n}|P|2.5.1|||||`)
      .replace('S-0042^^^GENHOSP^MR', `S-${String(i % 500).padStart(4, '0')}^^^GENHOSP^MR`)
      .replaceAll('PL-778812', `PL-${n}`)
      .replaceAll('FL-99120456', `FL-${n}`);
    out.push(Buffer.from(text, 'utf8'));
  }
  return out;
}

interface LoadResult {
  sent: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  negative: number;
}

async function load(port: number, messages: Buffer[], connections: number, durationMs: number): Promise<LoadResult> {
  const clients = await Promise.all(
    Array.from({ length: connections }, () => MllpClient.connect({ host: '127.0.0.1', port })),
  );
  const latencies: number[] = [];
  let next = 0;
  let negative = 0;
  const start = performance.now();
  const end = start + durationMs;
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < end && next < messages.length) {
        const message = messages[next++]!;
        const t0 = performance.now();
        const ack = await client.send(message);
        latencies.push(performance.now() - t0);
        if (!ack.includes('MSA|AA|')) negative++;
      }
    }),
  );
  const elapsed = performance.now() - start;
  await Promise.all(clients.map((c) => c.close()));
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return {
    sent: latencies.length,
    perSecond: (latencies.length / elapsed) * 1000,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    negative,
  };
}

async function counts(url: string): Promise<Record<string, number>> {
  const res = await fetch(`${url}/messages?limit=1`);
  return ((await res.json()) as { counts: Record<string, number> }).counts;
}

/** Waits until nothing is left to deliver; @returns delivered messages per second over that wait. */
async function drain(
  url: string,
  sinceMs: number,
  timeoutMs: number,
): Promise<{ delivered: number; perSecond: number }> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const c = await counts(url);
    if ((c.converted ?? 0) === 0 || performance.now() > deadline) {
      const seconds = (performance.now() - sinceMs) / 1000;
      return { delivered: c.delivered ?? 0, perSecond: (c.delivered ?? 0) / seconds };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

const row = (name: string, r: LoadResult): string =>
  `${name.padEnd(44)} ${Math.round(r.perSecond).toLocaleString('en-US').padStart(9)} messages/s   ACK p50 ${r.p50Ms.toFixed(2)} ms   p99 ${r.p99Ms.toFixed(2)} ms   (${r.sent} sent, ${r.negative} not AA)`;

/**
 * MLLP end to end against a `serve` process on its own core: 1 and 8 connections sending ORU^R01 and waiting
 * for each ACK (written after the durable commit), then delivery throughput to the embedded FHIR server and
 * to a local FHIR stub that answers at once (so the figure is studybridge's own limit).
 * @returns The printed lines.
 */
export async function benchMllp(durationMs: number): Promise<string[]> {
  const lines: string[] = [];
  const messages = benchMessages(Math.max(20_000, Math.ceil(durationMs * 6)));
  const run = async (label: string, env: Record<string, string>): Promise<void> => {
    let service: ServiceProcess | undefined;
    try {
      service = await ServiceProcess.start({ env: { STUDYBRIDGE_LOG_LEVEL: 'warn', ...env } });
      await load(service.mllpPort, messages.slice(0, 200), 2, 1000); // warm-up
      const one = await load(service.mllpPort, messages.slice(200), 1, durationMs / 2);
      lines.push(row(`${label}: 1 connection`, one));
      const loadStart = performance.now();
      const eight = await load(service.mllpPort, messages.slice(200 + one.sent), 8, durationMs);
      lines.push(row(`${label}: 8 connections`, eight));
      const drained = await drain(service.url, loadStart, 120_000);
      lines.push(
        `${`${label}: delivery (from load start to empty queue)`.padEnd(44)} ${Math.round(drained.perSecond).toLocaleString('en-US').padStart(9)} messages/s   (${drained.delivered} delivered)`,
      );
    } finally {
      await service?.cleanup();
    }
  };
  await run('embedded FHIR target', {});
  const stub = await StubFhirServer.start(0);
  try {
    await run('FHIR stub target', { STUDYBRIDGE_FHIR_BASE_URL: stub.baseUrl });
  } finally {
    await stub.stop();
  }
  lines.unshift(`input: ${messages[0]!.length} bytes, 15 OBX, original mode; service in a child process`);
  return lines;
}
