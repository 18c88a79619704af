import { describe, expect, it } from 'vitest';
import { DeleteSpool } from '../../../lib/engine/commands/delete-spool';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('DeleteSpool', () => {
  it('gives back every key, including keys with newlines and unicode, in batches', async () => {
    const spool = new DeleteSpool();
    const keys = ['a', 'line\nbreak', 'ü/é', 'cr\rx', ...Array.from({ length: 2500 }, (_, i) => `k${i}`)];
    for (const key of keys) await spool.add(key);
    const batches = await collect(spool.batches(1000));
    expect(batches.map((b) => b.length)).toEqual([1000, 1000, 504]);
    expect(batches.flat()).toEqual(keys);
    expect(spool.count).toBe(keys.length);
    await spool.dispose();
  });

  it('yields nothing when nothing was added', async () => {
    const spool = new DeleteSpool();
    expect(await collect(spool.keys())).toEqual([]);
    await spool.dispose();
  });
});
