/**
 * Runs tasks one at a time per key, in arrival order; tasks under different keys run freely.
 * Uploads and reloads of one dataset go through it, so none of them builds on a stale version.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release = (): void => undefined;
    const done = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => done);
    this.tails.set(key, tail);
    await previous;
    try {
      return await task();
    } finally {
      release();
      if (this.tails.get(key) === tail) {
        this.tails.delete(key);
      }
    }
  }

  /** Whether a task holds or waits for this key. */
  busy(key: string): boolean {
    return this.tails.has(key);
  }
}
