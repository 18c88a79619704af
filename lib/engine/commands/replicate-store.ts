import type { S3Client } from '@aws-sdk/client-s3';
import { REPLICA_MARKER_METADATA, renderKeyPrefix, sameServer, type ObjectEntry, type RemoteConfig, type RouteConfig } from '../../model';
import type { EngineContext } from '../context';
import type { SourceChangedError } from '../errors';
import type { Semaphore } from '../pool';
import { createS3Client } from '../s3/client';
import { S3Bucket, type HeadResult } from '../s3/s3-bucket';
import type { EngineTuning } from '../tuning';
import { transfer, type TransferDeps, type TransferOutcome } from './transfer';

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
  /**
   * Copies the source object to the destination with its headers, metadata and tags, pinned to
   * `head`'s ETag (a source that changes mid-copy is copied again from its new version). On a
   * route with `replicaMarker` the copy also carries the marker in its user metadata.
   */
  copy(key: string, head: HeadResult): Promise<TransferOutcome>;
  /** Sets the destination object's tags (a URL-encoded query string; empty removes them all). */
  putTags(key: string, tagging: string): Promise<void>;
  /** Deletes the destination object (a delete marker in a versioned bucket). */
  delete(key: string): Promise<void>;
}

/** One remote's resolved configuration and its S3 client, shared by every route that uses it. */
interface Remote {
  readonly config: RemoteConfig;
  readonly client: S3Client;
}

export interface StoreDeps {
  readonly ctx: EngineContext;
  /** Deadlines (connect, header, idle), retries and part sizes, as for `sync`. */
  readonly tuning: EngineTuning;
  /** Bounds the requests that move bodies, across all routes. */
  readonly slots: Semaphore;
  readonly maxSockets: number;
  readonly remote: (name: string) => RemoteConfig;
  /** Called when a source changed mid-copy and its copy starts again from the new version. */
  readonly onSourceChanged: (key: string, err: SourceChangedError) => void;
}

/**
 * Builds route stores on the sync engine's S3 layer (`createS3Client`, `S3Bucket`) and transfer
 * path, one client per remote: pinned sources, Content-MD5 and verified ETags, deadlines.
 */
export class RouteStores {
  private readonly remotes = new Map<string, Remote>();

  constructor(private readonly deps: StoreDeps) {}

  private remote(name: string): Remote {
    let remote = this.remotes.get(name);
    if (remote === undefined) {
      const config = this.deps.remote(name);
      const { tuning, maxSockets } = this.deps;
      remote = { config, client: createS3Client(config, { maxSockets, connectTimeoutMs: tuning.connectTimeoutMs, idleTimeoutMs: tuning.idleTimeoutMs }) };
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

  /** Closes every client's sockets. */
  close(): void {
    for (const remote of this.remotes.values()) remote.client.destroy();
    this.remotes.clear();
  }

  forRoute(route: RouteConfig): RouteStore {
    const { ctx, tuning, slots, onSourceChanged } = this.deps;
    const src = this.remote(route.source.remote);
    const dst = this.remote(route.destination.remote);
    const source = new S3Bucket(src.client, src.config, { kind: 'remote', remote: route.source.remote, bucket: route.source.bucket, prefix: '' }, ctx, tuning);
    const destination = new S3Bucket(
      dst.client,
      dst.config,
      { kind: 'remote', remote: route.destination.remote, bucket: route.destination.bucket, prefix: renderKeyPrefix(route) },
      ctx,
      tuning,
    );
    const transferDeps: TransferDeps = {
      ctx,
      tuning,
      slots,
      serverSide: sameServer(src.config, dst.config),
      partConcurrency: 4,
      onSourceChanged,
      stamp: route.replicaMarker === undefined ? undefined : { [REPLICA_MARKER_METADATA]: route.replicaMarker },
    };
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
        return transfer({ kind: 's3', bucket: source }, { kind: 's3', bucket: destination }, entry, transferDeps, head);
      },
      async putTags(key, tagging) {
        if (tagging === '') return destination.deleteTagging(key);
        return destination.putTagging(key, tagging);
      },
      delete: (key) => destination.delete(key),
    };
  }
}
