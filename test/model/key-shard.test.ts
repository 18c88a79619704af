import { describe, expect, it } from 'vitest';
import { KeyShardError, inShard, keyHash, parseKeyShard, shardOf } from '../../lib/model';

const keys = Array.from({ length: 20_000 }, (_, i) => `photos/${2000 + (i % 25)}/${i.toString(36)}/IMG_${i}.jpg`).concat(['', 'é/ü', '日本語/キー', 'a'.repeat(1024)]);

describe('key shards', () => {
  it.each([1, 2, 3, 7, 16])('puts every key in exactly one of %i shards, each shard a fair share', (count) => {
    const seen = new Map<string, number>();
    const sizes = new Array<number>(count).fill(0);
    for (let index = 0; index < count; index++) {
      for (const key of keys) {
        if (inShard(key, { index, count })) {
          seen.set(key, (seen.get(key) ?? 0) + 1);
          sizes[index] = (sizes[index] ?? 0) + 1;
        }
      }
    }
    expect(seen.size).toBe(keys.length);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    for (const size of sizes) expect(Math.abs(size - keys.length / count)).toBeLessThan((keys.length / count) * 0.1);
  });

  it('is deterministic: the same key is in the same shard on every run and side', () => {
    expect(keyHash('photos/2024/a.jpg')).toBe(keyHash('photos/2024/a.jpg'));
    // FNV-1a 32-bit reference values.
    expect(keyHash('')).toBe(0x811c9dc5);
    expect(keyHash('a')).toBe(0xe40c292c);
    expect(keyHash('foobar')).toBe(0xbf9cf968);
    expect(shardOf('foobar', 4)).toBe(0xbf9cf968 % 4);
  });

  it('keeps every key without a shard', () => {
    expect(inShard('x', undefined)).toBe(true);
  });

  it('parses i/N and refuses the rest', () => {
    expect(parseKeyShard('0/1')).toEqual({ index: 0, count: 1 });
    expect(parseKeyShard('3/8')).toEqual({ index: 3, count: 8 });
    for (const bad of ['8/8', '1/0', '-1/4', 'a/b', '1', '1/2/3', '0/100001']) {
      expect(() => parseKeyShard(bad)).toThrow(KeyShardError);
    }
    expect(() => parseKeyShard('4/4')).toThrow("'--shard' must be i/N with 0 <= i < N <= 100000, got \"4/4\"");
  });
});
