import type { ReadinessChecks } from '../api/routes/health.ts';
import type { DeliveryTarget } from '../deliver/delivery-target.ts';
import type { MessageStore } from '../store/message-store.ts';

/** How long a target check is reused, so a busy `/ready` probe does not hammer the FHIR server. */
const TARGET_CHECK_TTL_MS = 5000;

/** Readiness of the service: the store answers and the FHIR target is reachable (checked at most every 5 s). */
export class Readiness implements ReadinessChecks {
  readonly #store: MessageStore;
  readonly #target: DeliveryTarget;
  #last: { at: number; ok: Promise<boolean> } | undefined;

  constructor(store: MessageStore, target: DeliveryTarget) {
    this.#store = store;
    this.#target = target;
  }

  store(): boolean {
    try {
      return this.#store.ping();
    } catch {
      return false;
    }
  }

  target(): Promise<boolean> {
    const now = Date.now();
    if (!this.#last || now - this.#last.at > TARGET_CHECK_TTL_MS) {
      this.#last = { at: now, ok: this.#target.ping(AbortSignal.timeout(3000)).catch(() => false) };
    }
    return this.#last.ok;
  }
}
