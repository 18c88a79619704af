/**
 * A deterministic partition of a bucket's key space into `count` shards, for syncing one very
 * large bucket with several pods (`bucketbridge sync --shard i/N`, one pod per index of an Indexed
 * Job). Key `k` belongs to shard `fnv1a32(utf8(k)) mod count`: every key is in exactly one shard,
 * whatever the side it is listed on, so a sync restricted to one shard on both sides copies and
 * deletes exactly that shard's keys. The hash is over the key relative to the location (the same
 * string the include/exclude filters see), so the source and destination agree on it.
 */
export interface KeyShard {
  /** Zero-based index of this shard. */
  readonly index: number;
  /** How many shards the key space is cut into. */
  readonly count: number;
}

/** A `--shard` value that cannot be understood. */
export class KeyShardError extends Error {
  override readonly name = 'KeyShardError';
}

/** The most shards a key space may be cut into (a Kubernetes Indexed Job allows 100,000 completions). */
export const MAX_SHARDS = 100_000;

/** Parses `i/N` (0 <= i < N <= MAX_SHARDS). */
export function parseKeyShard(text: string): KeyShard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || !(count >= 1 && count <= MAX_SHARDS) || !(index >= 0 && index < count)) {
    throw new KeyShardError(`'--shard' must be i/N with 0 <= i < N <= ${MAX_SHARDS}, got ${JSON.stringify(text)}`);
  }
  return { index, count };
}

const encoder = new TextEncoder();

/** 32-bit FNV-1a over the key's UTF-8 bytes: fast, stable across runtimes, well spread over short keys. */
export function keyHash(key: string): number {
  let hash = 0x811c9dc5;
  for (const byte of encoder.encode(key)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The shard (0 .. count-1) that `key` belongs to. */
export function shardOf(key: string, count: number): number {
  return keyHash(key) % count;
}

/** Whether `key` belongs to `shard`. Without a shard, every key does. */
export function inShard(key: string, shard: KeyShard | undefined): boolean {
  return shard === undefined || shard.count === 1 || shardOf(key, shard.count) === shard.index;
}
