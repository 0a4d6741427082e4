import { mkdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createApp } from '../api/create-app.ts';
import type { ServiceConfig } from '../config/config-types.ts';
import type { DeliveryTarget } from '../deliver/delivery-target.ts';
import { DeliveryWorker } from '../deliver/delivery-worker.ts';
import { ErrorCode } from '../errors/error-codes.ts';
import { adapterError, IssueType } from '../errors/outcomes.ts';
import { openEmbeddedFhir, type EmbeddedFhir } from '../fhir-server/embedded-fhir.ts';
import { EmbeddedFhirTarget } from '../fhir-server/embedded-target.ts';
import { acknowledgeResult } from '../ingest/acknowledge-result.ts';
import { buildAck, encodeAck, readHeader } from '../ingest/ack/index.ts';
import { MllpServer } from '../ingest/mllp/mllp-server.ts';
import { loadMappings } from '../map/load-mappings.ts';
import type { Logger } from '../observe/logger.ts';
import { Metrics } from '../observe/metrics.ts';
import { createConvert } from '../pipeline/convert.ts';
import { createReceiver } from '../pipeline/receive.ts';
import { studiesMessage } from '../pipeline/publish-studies.ts';
import { createCsvReceiver, loadLayoutsIfPresent, type CsvDeps } from '../pipeline/receive-csv.ts';
import { Transport } from '../store/message-store.ts';
import { openSqliteMessageStore, type SqliteMessageStore } from '../store/sqlite-message-store.ts';
import { loadValidator } from '../validate/load-validator.ts';
import { externalTarget } from './build-target.ts';
import { DATA_FILES } from './data-files.ts';
import { Readiness } from './readiness.ts';
import { RetentionTimer } from './retention.ts';

/** A started studybridge process: where it listens, and how to stop it. */
export interface RunningService {
  /** MLLP address (absent when MLLP is disabled). */
  mllp?: { host: string; port: number };
  http: { host: string; port: number };
  /** Base URL of the HTTP API, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** `embedded` or the external FHIR base URL. */
  target: string;
  metrics: Metrics;
  store: SqliteMessageStore;
  /** Wakes delivery (after a replay from outside, for instance). */
  notify(): void;
  /** Graceful stop: stop accepting, answer in-flight messages, finish deliveries in flight, close the store. */
  stop(): Promise<void>;
}

/**
 * The composition root: loads mappings and profiles once, opens the store and the FHIR target, and starts
 * delivery, the MLLP listener and the HTTP API. Ports 0 pick free ports (read them from the result).
 * @throws AdapterError when mappings, profiles, store or a listener cannot start; whatever started is stopped.
 */
export async function startService(config: ServiceConfig, logger: Logger): Promise<RunningService> {
  const stack: Array<() => Promise<void> | void> = [];
  const unwind = async (): Promise<void> => {
    for (const close of stack.reverse()) await close();
  };
  try {
    return await start(config, logger, stack, unwind);
  } catch (err) {
    await unwind();
    throw err;
  }
}

async function start(
  config: ServiceConfig,
  logger: Logger,
  stack: Array<() => Promise<void> | void>,
  unwind: () => Promise<void>,
): Promise<RunningService> {
  mkdirSync(config.dataDir, { recursive: true });
  const [mappings, validator] = await Promise.all([
    loadMappings(config.mappingsDir),
    // Every core type compiled at start: the embedded FHIR server accepts any resource type, and no request
    // should pay for compiling one.
    loadValidator({ profilesDir: config.profilesDir, compileAll: true }),
  ]);
  const convert = createConvert({ mappings, validator });
  // No mappings/csv directory: no layouts, and every POST /csv is answered with csv.unknown-layout.
  const csv: CsvDeps = {
    mappings,
    validator,
    layouts: (await loadLayoutsIfPresent(config.mappingsDir, mappings)) ?? new Map(),
  };
  logger.info({ layouts: [...csv.layouts.keys()] }, 'CSV layouts loaded');

  // The per-state gauge reads the store at scrape time; the store reports its commits to the metrics.
  let stateCounts = (): Record<string, number> => ({});
  const metrics = new Metrics({ defaultMetrics: true, stateCounts: () => stateCounts() });
  const store = openSqliteMessageStore({
    file: path.join(config.dataDir, DATA_FILES.messages),
    logger,
    groupCommit: {
      onCommit: (n, seconds) => {
        metrics.commitSeconds.observe(seconds);
        metrics.commitBatchSize.observe(n);
      },
    },
  });
  stack.push(() => store.close());
  stateCounts = () => store.countByState();

  let embedded: EmbeddedFhir | undefined;
  let target: DeliveryTarget | undefined = externalTarget(config);
  if (!target) {
    embedded = await openEmbeddedFhir({ file: path.join(config.dataDir, DATA_FILES.fhir), validator, logger });
    stack.push(() => embedded!.close());
    target = new EmbeddedFhirTarget(embedded);
  }

  const worker = new DeliveryWorker({
    store,
    target,
    concurrency: config.delivery.concurrency,
    retry: {
      baseMs: config.delivery.retryBaseMs,
      maxMs: config.delivery.retryMaxMs,
      ...(config.delivery.maxAttempts > 0 ? { maxAttempts: config.delivery.maxAttempts } : {}),
    },
    metrics,
    logger,
  });
  worker.start();
  stack.push(() => worker.stop(config.shutdownGraceMs));

  // The studies exist on the FHIR server before any data of theirs arrives, and a changed definition updates them.
  const studies = config.publishStudies
    ? studiesMessage(mappings.studies ?? new Map(), new Date().toISOString())
    : undefined;
  if (studies) {
    await store.append([studies]);
    worker.notify();
    logger.info({ studies: mappings.studies?.size }, 'study definitions queued for delivery');
  }

  const receive = createReceiver({ convert, store, logger, metrics, onStored: () => worker.notify() });
  const receiveCsv = createCsvReceiver({ csv, store, logger, metrics, onStored: () => worker.notify() });

  let mllpAddress: { host: string; port: number } | undefined;
  if (config.mllp.enabled) {
    const tls = config.mllp.tls;
    const mllp = new MllpServer({
      host: config.mllp.host,
      port: config.mllp.port,
      maxMessageBytes: config.mllp.maxMessageBytes,
      idleTimeoutMs: config.mllp.idleTimeoutMs,
      ...(tls
        ? {
            tls: {
              cert: readFileSync(tls.certFile),
              key: readFileSync(tls.keyFile),
              ...(tls.caFile ? { ca: readFileSync(tls.caFile) } : {}),
              requestCert: tls.requestClientCert,
            },
          }
        : {}),
      logger,
      handler: async (frame) => {
        const started = performance.now();
        const result = await receive(frame, Transport.Mllp);
        const acks = acknowledgeResult(frame, result);
        for (const code of acks.codes) metrics.acked.inc({ transport: Transport.Mllp, code });
        metrics.ackSeconds.observe({ transport: Transport.Mllp }, (performance.now() - started) / 1000);
        return acks.bytes;
      },
      onOversized: (head) => {
        metrics.mllpOversized.inc();
        const error = adapterError(
          ErrorCode.ParseTooLarge,
          IssueType.TooLong,
          `message is larger than the maximum of ${config.mllp.maxMessageBytes} bytes`,
        );
        const header = readHeader(head);
        logger.warn(
          { controlId: header?.controlId, max: config.mllp.maxMessageBytes },
          'oversized MLLP frame rejected',
        );
        metrics.acked.inc({ transport: Transport.Mllp, code: 'AR' });
        return encodeAck(buildAck(header, { code: 'AR', error })).bytes;
      },
      onDiscardedBytes: (n) => metrics.mllpBytesDiscarded.inc(n),
      onConnectionsChanged: (n) => metrics.mllpConnections.set(n),
    });
    mllpAddress = await mllp.start();
    stack.push(() => mllp.stop(config.shutdownGraceMs));
  }

  const readiness = new Readiness(store, target);
  const app = createApp({
    receive,
    acknowledge: (result, raw) => {
      const acks = acknowledgeResult(raw, result);
      for (const code of acks.codes) metrics.acked.inc({ transport: Transport.Http, code });
      return { text: acks.texts.join(''), bytes: Buffer.concat(acks.bytes) };
    },
    receiveCsv,
    csv,
    store,
    convert,
    metrics,
    readiness,
    logger,
    ...(config.http.apiToken ? { apiToken: config.http.apiToken } : {}),
    maxBodyBytes: config.http.maxBodyBytes,
    ...(embedded ? { fhir: embedded.router() } : {}),
    onReplayed: () => worker.notify(),
  });
  const server = await listen(app, config.http.host, config.http.port);
  stack.push(() => closeServer(server));
  const httpAddress = server.address() as AddressInfo;

  const retention = new RetentionTimer(store, config.retention.deliveredDays, logger);
  retention.start();
  stack.push(() => retention.stop());

  const http = { host: config.http.host, port: httpAddress.port };
  const url = `http://${http.host.includes(':') ? `[${http.host}]` : http.host}:${http.port}`;
  let stopping: Promise<void> | undefined;
  return {
    ...(mllpAddress ? { mllp: mllpAddress } : {}),
    http,
    url,
    target: target.description,
    metrics,
    store,
    notify: () => worker.notify(),
    stop: () => (stopping ??= unwind()),
  };
}

function listen(app: ReturnType<typeof createApp>, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        adapterError(ErrorCode.ConfigInvalid, IssueType.Exception, `cannot listen on ${host}:${port}: ${err.code}`),
      ),
    );
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Keep-alive connections with no request in flight would hold close() open.
    server.closeIdleConnections();
  });
}
