import { describe, expect, it } from 'vitest';
import { ListingOrderError, mergeListings } from '../../lib/model/merge';

async function* listing(...keys: string[]): AsyncGenerator<{ key: string }> {
  for (const key of keys) yield { key };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('mergeListings', () => {
  it('pairs keys present on both sides and keeps one-sided keys in byte order', async () => {
    const pairs = await collect(mergeListings(listing('a', 'a/b', 'c'), listing('a-b', 'a/b', 'd')));
    expect(pairs.map((p) => [p.key, p.source !== undefined, p.destination !== undefined])).toEqual([
      ['a', true, false],
      ['a-b', false, true],
      ['a/b', true, true],
      ['c', true, false],
      ['d', false, true],
    ]);
  });

  it('handles an empty side', async () => {
    expect((await collect(mergeListings(listing(), listing('x')))).map((p) => p.key)).toEqual(['x']);
    expect((await collect(mergeListings(listing('x'), listing()))).map((p) => p.key)).toEqual(['x']);
  });

  it('fails on a listing out of order rather than report false extras', async () => {
    await expect(collect(mergeListings(listing('b', 'a'), listing()))).rejects.toThrow(ListingOrderError);
  });

  it('pulls listings lazily, one entry ahead', async () => {
    let pulled = 0;
    async function* counting(): AsyncGenerator<{ key: string }> {
      for (let i = 0; i < 1000; i++) {
        pulled += 1;
        yield { key: String(i).padStart(4, '0') };
      }
    }
    const merged = mergeListings(counting(), listing());
    await merged.next();
    await merged.next();
    expect(pulled).toBeLessThanOrEqual(3);
    await merged.return(undefined);
  });
});
