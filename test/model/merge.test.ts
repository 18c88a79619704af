import { describe, expect, it } from 'vitest';
import { ListingOrderError, batched, mergeListings, type Pair } from '../../lib/model/merge';

/** A listing of `keys` in batches of `size`, as an S3 listing arrives in pages. */
async function* listing(size: number, ...keys: string[]): AsyncGenerator<{ key: string }[]> {
  for (let i = 0; i < keys.length; i += size) yield keys.slice(i, i + size).map((key) => ({ key }));
}

async function collect<T>(items: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of items) out.push(...batch);
  return out;
}

const sides = (pairs: Pair<unknown>[]): [string, boolean, boolean][] =>
  pairs.map((p) => [p.key, p.source !== undefined, p.destination !== undefined]);

describe('mergeListings', () => {
  it('pairs keys present on both sides and keeps one-sided keys in byte order', async () => {
    const pairs = await collect(mergeListings(listing(2, 'a', 'a/b', 'c'), listing(2, 'a-b', 'a/b', 'd')));
    expect(sides(pairs)).toEqual([
      ['a', true, false],
      ['a-b', false, true],
      ['a/b', true, true],
      ['c', true, false],
      ['d', false, true],
    ]);
  });

  it('gives the same pairs whatever the batch sizes of either side', async () => {
    const left = ['k01', 'k02', 'k04', 'k05', 'k07', 'k08', 'k09'];
    const right = ['k02', 'k03', 'k04', 'k06', 'k09', 'k10'];
    const expected = sides(await collect(mergeListings(listing(100, ...left), listing(100, ...right))));
    for (const [a, b] of [[1, 1], [1, 3], [3, 1], [2, 5], [7, 2]] as const) {
      expect(sides(await collect(mergeListings(listing(a, ...left), listing(b, ...right))))).toEqual(expected);
    }
    expect(expected.map(([key]) => key)).toEqual(['k01', 'k02', 'k03', 'k04', 'k05', 'k06', 'k07', 'k08', 'k09', 'k10']);
  });

  it('skips empty batches and handles an empty side', async () => {
    async function* gappy(): AsyncGenerator<{ key: string }[]> {
      yield [];
      yield [{ key: 'x' }];
      yield [];
    }
    expect((await collect(mergeListings(listing(1), gappy()))).map((p) => p.key)).toEqual(['x']);
    expect((await collect(mergeListings(gappy(), listing(1)))).map((p) => p.key)).toEqual(['x']);
    expect(await collect(mergeListings(listing(1), listing(1)))).toEqual([]);
  });

  it('fails on a listing out of order rather than report false extras', async () => {
    await expect(collect(mergeListings(listing(5, 'b', 'a'), listing(5)))).rejects.toThrow(ListingOrderError);
  });

  it('fails on a listing out of order across its batches', async () => {
    await expect(collect(mergeListings(listing(1), listing(2, 'a', 'c', 'b')))).rejects.toThrow(
      "destination listing is not in key order: 'b' after 'c'",
    );
  });

  it('pulls listings lazily, one batch ahead', async () => {
    let pulled = 0;
    async function* counting(): AsyncGenerator<{ key: string }[]> {
      for (let i = 0; i < 1000; i++) {
        pulled += 1;
        yield [{ key: String(i).padStart(4, '0') }];
      }
    }
    const merged = mergeListings(counting(), listing(1));
    await merged.next();
    await merged.next();
    expect(pulled).toBeLessThanOrEqual(3);
    await merged.return(undefined);
  });
});

describe('batched', () => {
  it('groups items in arrays of the given size, the last one shorter', async () => {
    async function* numbers(): AsyncGenerator<number> {
      for (let i = 1; i <= 7; i++) yield i;
    }
    const batches: number[][] = [];
    for await (const batch of batched(numbers(), 3)) batches.push(batch);
    expect(batches).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });
});
