import { compareKeys } from './key-order';

/** One key from a merge of two listings, present on one side or both. */
export interface Pair<T> {
  readonly key: string;
  readonly source?: T;
  readonly destination?: T;
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
  const src = ordered(source, 'source');
  const dst = ordered(destination, 'destination');
  let a = await src.next();
  let b = await dst.next();
  try {
    while (!a.done || !b.done) {
      const order = a.done ? 1 : b.done ? -1 : compareKeys(a.value.key, b.value.key);
      if (order < 0 && !a.done) {
        yield { key: a.value.key, source: a.value };
        a = await src.next();
      } else if (order > 0 && !b.done) {
        yield { key: b.value.key, destination: b.value };
        b = await dst.next();
      } else if (!a.done && !b.done) {
        yield { key: a.value.key, source: a.value, destination: b.value };
        [a, b] = await Promise.all([src.next(), dst.next()]);
      }
    }
  } finally {
    await Promise.all([src.return(undefined), dst.return(undefined)]);
  }
}

/** A listing that came out of key order. */
export class ListingOrderError extends Error {
  override readonly name = 'ListingOrderError';
}

async function* ordered<T extends { readonly key: string }>(items: AsyncIterable<T>, side: string): AsyncGenerator<T> {
  let previous: string | undefined;
  for await (const item of items) {
    if (previous !== undefined && compareKeys(previous, item.key) >= 0) {
      throw new ListingOrderError(`${side} listing is not in key order: '${item.key}' after '${previous}'`);
    }
    previous = item.key;
    yield item;
  }
}
