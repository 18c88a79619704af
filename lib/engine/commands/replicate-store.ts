import { renderKeyPrefix, sameServer, type ObjectEntry, type RemoteConfig, type RouteConfig } from '../../model';
import type { EngineContext } from '../context';
import { Semaphore } from '../pool';
import { LazyS3Client } from '../s3/client';
import { S3Bucket, type HeadResult } from '../s3/s3-bucket';
import { S3Http } from '../s3/s3-http';
import type { EngineTuning } from '../tuning';
import { transfer, type TransferOutcome } from './transfer';

/**
 * Everything replication does to S3, for one key at a time, on one route. This is the only seam
 * between the replicator and the S3 layer: the key is relative to the route (source key), the
 * destination side adds the route's key prefix.
 */
export interface RouteStore {
  /** The object's current state, or undefined when it does not exist (or its latest version is a delete marker). */
  head(side: 'source' | 'destination', key: string): Promise<HeadResult | undefined>;
  /** The object's tags as a URL-encoded query string, sorted, for comparison. */
  tags(side: 'source' | 'destination', key: string): Promise<string>;
  /** Copies the source object to the destination with its headers, metadata and tags. */
  copy(key: string, head: HeadResult): Promise<TransferOutcome>;
  /** Sets the destination object's tags (a URL-encoded query string; empty removes them all). */
  putTags(key: string, tagging: string): Promise<void>;
  /** Deletes the destination object (a delete marker in a versioned bucket). */
  delete(key: string): Promise<void>;
}

/** One remote's clients, shared by every route that uses it. */
interface Remote {
  readonly config: RemoteConfig;
  readonly http: S3Http;
  readonly sdk: LazyS3Client;
}

export interface StoreDeps {
  readonly ctx: EngineContext;
  readonly tuning: EngineTuning;
  /** Bounds the requests that move bodies, across all routes. */
  readonly slots: Semaphore;
  readonly maxSockets: number;
  readonly remote: (name: string) => RemoteConfig;
}

/** Builds route stores on the sync engine's S3 layer and transfer path, one client per remote. */
export class RouteStores {
  private readonly remotes = new Map<string, Remote>();

  constructor(private readonly deps: StoreDeps) {}

  private remote(name: string): Remote {
    let remote = this.remotes.get(name);
    if (remote === undefined) {
      const config = this.deps.remote(name);
      remote = { config, http: new S3Http(config, this.deps.maxSockets), sdk: new LazyS3Client(config, { maxSockets: this.deps.maxSockets }) };
      this.remotes.set(name, remote);
    }
    return remote;
  }

  /** Resolves every remote the routes name, so a missing one fails at start-up. */
  check(routes: readonly RouteConfig[]): void {
    for (const route of routes) {
      this.remote(route.source.remote);
      this.remote(route.destination.remote);
    }
  }

  forRoute(route: RouteConfig): RouteStore {
    const { ctx, tuning, slots } = this.deps;
    const src = this.remote(route.source.remote);
    const dst = this.remote(route.destination.remote);
    const source = new S3Bucket(src.sdk, src.http, src.config, { kind: 'remote', remote: route.source.remote, bucket: route.source.bucket, prefix: '' }, ctx);
    const destination = new S3Bucket(
      dst.sdk,
      dst.http,
      dst.config,
      { kind: 'remote', remote: route.destination.remote, bucket: route.destination.bucket, prefix: renderKeyPrefix(route) },
      ctx,
    );
    const transferDeps = { ctx, tuning, slots, serverSide: sameServer(src.config, dst.config), partConcurrency: 4 };
    const bucketOf = (side: 'source' | 'destination'): S3Bucket => (side === 'source' ? source : destination);
    return {
      async head(side, key) {
        try {
          return await bucketOf(side).head(key);
        } catch (err) {
          if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
          throw err;
        }
      },
      async tags(side, key) {
        const text = await ctx.retry('GetObjectTagging', () => bucketOf(side).tagging(key));
        return [...new URLSearchParams(text)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
      },
      async copy(key, head) {
        const entry: ObjectEntry = { key, size: head.size, etag: head.etag, modified: head.modified };
        return transfer({ kind: 's3', bucket: source }, { kind: 's3', bucket: destination }, entry, transferDeps);
      },
      async putTags(key, tagging) {
        if (tagging !== '') return destination.putTagging(key, tagging);
        const { client, sdk } = await dst.sdk.get();
        await ctx.retry('DeleteObjectTagging', () =>
          client.send(new sdk.DeleteObjectTaggingCommand({ Bucket: route.destination.bucket, Key: destination.fullKey(key) }), { abortSignal: ctx.signal }),
        );
      },
      async delete(key) {
        const { client, sdk } = await dst.sdk.get();
        await ctx.retry('DeleteObject', () =>
          client.send(new sdk.DeleteObjectCommand({ Bucket: route.destination.bucket, Key: destination.fullKey(key) }), { abortSignal: ctx.signal }),
        );
      },
    };
  }
}
