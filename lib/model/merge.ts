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
 * order. Holds one entry of each side at a time. Throws if a listing is out of order, since a
 * merge over unsorted input would report false differences (and a sync would delete).
 */
export async function* mergeListings<T extends { readonly key: string }>(
  source: AsyncIterable<T>,
  destination: AsyncIterable<T>,
): AsyncGenerator<Pair<T>> {
  const src = new Cursor(source, 'source');
  const dst = new Cursor(destination, 'destination');
  try {
    await Promise.all([src.advance(), dst.advance()]);
    while (src.current !== undefined || dst.current !== undefined) {
      const a = src.current;
      const b = dst.current;
      const order = a === undefined ? 1 : b === undefined ? -1 : compareKeys(a.key, b.key);
      if (order < 0 && a !== undefined) {
        yield { key: a.key, source: a };
        await src.advance();
      } else if (order > 0 && b !== undefined) {
        yield { key: b.key, destination: b };
        await dst.advance();
      } else if (a !== undefined && b !== undefined) {
        yield { key: a.key, source: a, destination: b };
        await Promise.all([src.advance(), dst.advance()]);
      }
    }
  } finally {
    await Promise.all([src.close(), dst.close()]);
  }
}

/** The current entry of one listing, checked to come after the previous one. */
class Cursor<T extends { readonly key: string }> {
  private readonly iterator: AsyncIterator<T>;
  current: T | undefined;
  private done = false;

  constructor(
    items: AsyncIterable<T>,
    private readonly side: string,
  ) {
    this.iterator = items[Symbol.asyncIterator]();
  }

  async advance(): Promise<void> {
    const previous = this.current;
    const next = await this.iterator.next();
    this.done = next.done === true;
    this.current = this.done ? undefined : (next.value as T);
    if (previous !== undefined && this.current !== undefined && compareKeys(previous.key, this.current.key) >= 0) {
      throw new ListingOrderError(`${this.side} listing is not in key order: '${this.current.key}' after '${previous.key}'`);
    }
  }

  async close(): Promise<void> {
    if (!this.done) await this.iterator.return?.();
  }
}
