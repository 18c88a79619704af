/**
 * Runs `worker` over `items` with at most `concurrency` in flight, pulling the next item only when
 * a worker is free, so an input of any length costs `concurrency` items of memory. Stops pulling
 * when `stopped()` turns true and waits for the items in flight. A worker's error is not caught
 * here: workers report their own outcomes, and an error thrown here (e.g. by the iterator) ends
 * the pool after the others finish.
 */
export async function runPool<T>(
  items: AsyncIterable<T>,
  concurrency: number,
  worker: (item: T) => Promise<void>,
  stopped: () => boolean = () => false,
): Promise<void> {
  const iterator = items[Symbol.asyncIterator]();
  let failure: { error: unknown } | undefined;
  let exhausted = false;
  const lane = async (): Promise<void> => {
    while (!exhausted && failure === undefined && !stopped()) {
      let next: IteratorResult<T>;
      try {
        next = await iterator.next();
      } catch (error) {
        failure ??= { error };
        return;
      }
      if (next.done === true) {
        exhausted = true;
        return;
      }
      try {
        await worker(next.value);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  if (!exhausted) await iterator.return?.();
  if (failure !== undefined) throw failure.error;
}

/** A counting semaphore: at most `size` holders at once, served in order. */
export class Semaphore {
  private available: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.available = size;
  }

  async use<T>(task: () => Promise<T>): Promise<T> {
    if (this.available > 0) this.available -= 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.available += 1;
    }
  }
}
