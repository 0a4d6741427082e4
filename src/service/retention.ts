import type { Logger } from '../observe/logger.ts';
import type { MessageStore } from '../store/message-store.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Deletes delivered messages older than the retention period, once at start and then hourly. */
export class RetentionTimer {
  readonly #store: MessageStore;
  readonly #days: number;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;

  /** @param days - Retention of delivered messages in days; 0 keeps them for ever. */
  constructor(store: MessageStore, days: number, logger: Logger) {
    this.#store = store;
    this.#days = days;
    this.#logger = logger;
  }

  start(): void {
    if (this.#days <= 0) return;
    void this.runOnce();
    this.#timer = setInterval(() => void this.runOnce(), HOUR_MS);
    this.#timer.unref();
  }

  /** Purges once. @returns How many messages were deleted. */
  async runOnce(now = Date.now()): Promise<number> {
    try {
      const deleted = await this.#store.purgeDelivered(new Date(now - this.#days * DAY_MS).toISOString());
      if (deleted) this.#logger.info({ deleted, days: this.#days }, 'retention: delivered messages purged');
      return deleted;
    } catch (err) {
      this.#logger.warn({ error: (err as Error).name }, 'retention purge failed; will try again');
      return 0;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
