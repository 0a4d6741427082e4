import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Latency buckets in seconds, from 50 µs to 10 s. */
const LATENCY_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
];

/**
 * The Prometheus instruments of one studybridge process, on a registry of its own (so tests can create many).
 * Labels carry no patient data; `sender` is the sender mapping's name (bounded), not free text from MSH.
 */
export class Metrics {
  readonly registry = new Registry();
  /** Messages taken in, by transport, message type and sender. */
  readonly received: Counter<'transport' | 'type' | 'sender'>;
  /** Acknowledgments sent, by transport and code (AA, AE, AR, CA, CE, CR). */
  readonly acked: Counter<'transport' | 'code'>;
  /** Messages refused (AE or AR), by transport, type, sender and error code. */
  readonly rejected: Counter<'transport' | 'type' | 'sender' | 'reason'>;
  /** Time from a message's bytes to its conversion result. */
  readonly conversionSeconds: Histogram<'type'>;
  /** Time for one group commit, and how many messages it carried. */
  readonly commitSeconds: Histogram;
  readonly commitBatchSize: Histogram;
  /** Time from receipt to ACK sent. */
  readonly ackSeconds: Histogram<'transport'>;
  /** One delivery attempt's duration, by result (delivered, retry, permanent). */
  readonly deliverySeconds: Histogram<'result'>;
  /** Delivery attempts by result. */
  readonly deliveryAttempts: Counter<'result'>;
  /** Messages per store state (queue depth is `converted`; dead letters is `dead`). */
  readonly messagesByState: Gauge<'state'>;
  /** Open MLLP connections. */
  readonly mllpConnections: Gauge;
  /** Bytes found outside an MLLP frame and discarded. */
  readonly mllpBytesDiscarded: Counter;
  /** MLLP frames over the size limit. */
  readonly mllpOversized: Counter;

  /**
   * @param options - `defaultMetrics` adds the process metrics of prom-client (CPU, memory, event loop);
   *   `stateCounts` is read at scrape time to fill the per-state gauge.
   */
  constructor(options: { defaultMetrics?: boolean; stateCounts?: () => Record<string, number> } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'studybridge_' });
    this.received = new Counter({
      name: 'studybridge_messages_received_total',
      help: 'Messages received, by transport, message type and sender.',
      labelNames: ['transport', 'type', 'sender'],
      registers,
    });
    this.acked = new Counter({
      name: 'studybridge_messages_acked_total',
      help: 'Acknowledgments sent, by transport and acknowledgment code.',
      labelNames: ['transport', 'code'],
      registers,
    });
    this.rejected = new Counter({
      name: 'studybridge_messages_rejected_total',
      help: 'Messages answered AE or AR, by transport, message type, sender and error code.',
      labelNames: ['transport', 'type', 'sender', 'reason'],
      registers,
    });
    this.conversionSeconds = new Histogram({
      name: 'studybridge_conversion_seconds',
      help: 'Conversion latency (parse, map, validate, bundle) per input.',
      labelNames: ['type'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.commitSeconds = new Histogram({
      name: 'studybridge_store_commit_seconds',
      help: 'Duration of one durable group commit.',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.commitBatchSize = new Histogram({
      name: 'studybridge_store_commit_messages',
      help: 'Messages per group commit.',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers,
    });
    this.ackSeconds = new Histogram({
      name: 'studybridge_ack_latency_seconds',
      help: 'Time from a complete message to its acknowledgment being written.',
      labelNames: ['transport'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.deliverySeconds = new Histogram({
      name: 'studybridge_delivery_seconds',
      help: 'Duration of one delivery attempt to the FHIR target, by result.',
      labelNames: ['result'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.deliveryAttempts = new Counter({
      name: 'studybridge_delivery_attempts_total',
      help: 'Delivery attempts, by result (delivered, retry, permanent).',
      labelNames: ['result'],
      registers,
    });
    const stateCounts = options.stateCounts;
    this.messagesByState = new Gauge({
      name: 'studybridge_messages',
      help: 'Stored messages per state: converted is the delivery queue depth, dead the dead letters.',
      labelNames: ['state'],
      registers,
      collect() {
        if (!stateCounts) return;
        for (const [state, n] of Object.entries(stateCounts())) this.set({ state }, n);
      },
    });
    this.mllpConnections = new Gauge({
      name: 'studybridge_mllp_connections',
      help: 'Open MLLP connections.',
      registers,
    });
    this.mllpBytesDiscarded = new Counter({
      name: 'studybridge_mllp_discarded_bytes_total',
      help: 'Bytes received outside an MLLP frame and discarded.',
      registers,
    });
    this.mllpOversized = new Counter({
      name: 'studybridge_mllp_oversized_frames_total',
      help: 'MLLP frames larger than the configured maximum, rejected.',
      registers,
    });
  }
}
