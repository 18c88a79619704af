import { compareKeys } from './key-order';

/** One key from a merge of two listings, present on one side or both. */
export interface Pair<T> {
  readonly key: string;
  readonly source?: T;
  readonly destination?: T;
}

/** A listing that came out of key order. */
export class ListingOrderError extends Error {
  override readonly name = 'ListingOrderError';
}

/**
 * Merges two listings, each sorted by key in UTF-8 byte order, into one stream of pairs in that
 * order. Listings arrive in batches (an S3 listing page) and pairs leave in batches: the merge of
 * two batches is synchronous, so a listing of any length costs one await per batch, not per key.
 * Holds one batch of each side and the pairs merged from them. Throws if a listing is out of
 * order, since a merge over unsorted input would report false differences (and a sync would delete).
 */
export async function* mergeListings<T extends { readonly key: string }>(
  source: AsyncIterable<readonly T[]>,
  destination: AsyncIterable<readonly T[]>,
): AsyncGenerator<Pair<T>[]> {
  const src = new Cursor(source, 'source');
  const dst = new Cursor(destination, 'destination');
  try {
    for (;;) {
      await Promise.all([src.refill(), dst.refill()]);
      if (src.ended && dst.ended) return;
      const pairs: Pair<T>[] = [];
      while (!src.empty && !dst.empty) {
        const a = src.peek();
        const b = dst.peek();
        if (a === undefined && b === undefined) break;
        const order = a === undefined ? 1 : b === undefined ? -1 : compareKeys(a.key, b.key);
        if (order < 0) {
          const item = src.take();
          pairs.push({ key: item.key, source: item });
        } else if (order > 0) {
          const item = dst.take();
          pairs.push({ key: item.key, destination: item });
        } else {
          const item = src.take();
          pairs.push({ key: item.key, source: item, destination: dst.take() });
        }
      }
      if (pairs.length > 0) yield pairs;
    }
  } finally {
    await Promise.all([src.close(), dst.close()]);
  }
}

/** Groups a stream of items into arrays of up to `size`, for a listing read item by item. */
export async function* batched<T>(items: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** A position in one listing's current batch, checked to move forward in key order. */
class Cursor<T extends { readonly key: string }> {
  private readonly iterator: AsyncIterator<readonly T[]>;
  private batch: readonly T[] = [];
  private index = 0;
  private last: string | undefined;
  /** The listing has no more batches. */
  ended = false;

  constructor(
    items: AsyncIterable<readonly T[]>,
    private readonly side: string,
  ) {
    this.iterator = items[Symbol.asyncIterator]();
  }

  /** The current batch is used up while the listing goes on: `refill()` before reading on. */
  get empty(): boolean {
    return !this.ended && this.index >= this.batch.length;
  }

  /** The next entry, or undefined once the listing has ended. */
  peek(): T | undefined {
    return this.batch[this.index];
  }

  take(): T {
    const item = this.batch[this.index++] as T;
    if (this.last !== undefined && compareKeys(this.last, item.key) >= 0) {
      throw new ListingOrderError(`${this.side} listing is not in key order: '${item.key}' after '${this.last}'`);
    }
    this.last = item.key;
    return item;
  }

  /** Reads batches until one has entries or the listing ends; a no-op while entries remain. */
  async refill(): Promise<void> {
    while (this.empty) {
      const next = await this.iterator.next();
      if (next.done === true) {
        this.ended = true;
        this.batch = [];
      } else {
        this.batch = next.value;
      }
      this.index = 0;
    }
  }

  async close(): Promise<void> {
    if (!this.ended) await this.iterator.return?.();
  }
}
