/** A FIFO mutex for async work: one holder at a time, in arrival order. */
export class AsyncLock {
  private tail: Promise<unknown> = Promise.resolve();

  /**
   * Runs `fn` once every earlier holder has finished (successfully or not).
   * @returns What `fn` returns.
   */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
