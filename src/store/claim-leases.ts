/**
 * Ids handed out by `claimDue` and not yet settled by a committed mark. The delivery worker excludes in-flight
 * order keys itself, but a message without a key has nothing to exclude it by; the lease keeps a second claim
 * from delivering it twice at once. Leases live in memory only: after a restart every unfinished message is
 * claimable again, which is what recovery wants (delivery is idempotent).
 */
export class ClaimLeases {
  readonly #ids = new Set<number>();

  /** Leases `ids`. */
  add(ids: readonly number[]): void {
    for (const id of ids) this.#ids.add(id);
  }

  /** Ends the lease of `id` (its outcome is recorded). */
  release(id: number): void {
    this.#ids.delete(id);
  }

  /** @returns Whether `id` is leased. */
  has(id: number): boolean {
    return this.#ids.has(id);
  }

  /** @returns The leased ids. */
  ids(): number[] {
    return [...this.#ids];
  }
}
