import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { S3Client } from '@aws-sdk/client-s3';
import pino, { type Logger } from 'pino';
import {
  KeyFilter,
  LocationError,
  RemoteConfigError,
  compareEntries,
  inShard,
  mergeListings,
  parseLocation,
  remoteConfigFromEnv,
  sameServer,
  type CompareMode,
  type KeyShard,
  type Location,
  type ObjectEntry,
  type Pair,
  type RemoteConfig,
} from '../../model';
import type { EngineContext } from '../context';
import { ConfigurationError, StoppedError, TransferError, describeError } from '../errors';
import { LocalDirectory } from '../local/local-directory';
import { EngineMetrics, type Outcome } from '../observability/metrics';
import { Semaphore, runPool } from '../pool';
import { withRetry } from '../retry';
import { createS3Client } from '../s3/client';
import { S3Bucket } from '../s3/s3-bucket';
import { DEFAULT_TUNING, type EngineTuning } from '../tuning';
import { compareAttributes, type AttributeChecks } from './attributes';
import { DeleteSpool } from './delete-spool';
import { fileMd5, localEtag } from './local-etag';
import type { Side } from './side';
import { transfer, type TransferDeps } from './transfer';

export type Command = 'sync' | 'copy' | 'check';

export interface EngineOptions {
  /** `sync` copies and deletes extras, `copy` never deletes, `check` only compares. */
  readonly command: Command;
  /** `REMOTE:bucket[/prefix]` or a local directory. */
  readonly source: string;
  readonly destination: string;
  /** Where remotes are configured (`RCLONE_CONFIG_<REMOTE>_*`). @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Report what would change, change nothing. @default false */
  readonly dryRun?: boolean;
  /** The most objects a sync may delete; above it, it deletes none and fails. @default - no limit */
  readonly maxDelete?: number;
  /** @default 'default' */
  readonly compare?: CompareMode;
  /**
   * Between two buckets, also compare the tags and/or the headers and user metadata of objects
   * whose size and ETag match, so that a change of those alone is carried. Costs one request per
   * side per object (HeadObject for metadata, GetObjectTagging for tags).
   * @default - neither
   */
  readonly compareAttributes?: Partial<AttributeChecks>;
  /** Requests moving bodies at once (objects, or parts of large ones). @default 16 */
  readonly transfers?: number;
  /** Objects compared at once, on top of the transfers. @default 16 */
  readonly checkers?: number;
  /** Globs over keys relative to the locations. @default - everything */
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  /** Only the keys of this shard of the key space, on both sides (`--shard i/N`). @default - every key */
  readonly shard?: KeyShard;
  /** @default - a silent logger */
  readonly logger?: Logger;
  /** @default - a registry of its own */
  readonly metrics?: EngineMetrics;
  /** Called after each object with the run's totals so far. */
  readonly onProgress?: (progress: Progress) => void;
  /** @default DEFAULT_TUNING */
  readonly tuning?: Partial<EngineTuning>;
}

export interface Progress {
  readonly objectsDone: number;
  readonly bytesDone: number;
  /** Bytes of the objects found to copy so far; grows while the listings are read. */
  readonly bytesToCopy: number;
  /** The source listing has been read to its end: `bytesToCopy` is final. */
  readonly listingDone: boolean;
}

/** The `--json` summary of a run. */
export interface Summary {
  readonly command: Command;
  readonly copied: number;
  readonly deleted: number;
  readonly skipped: number;
  readonly failed: number;
  /** Objects missing, changed or extra at the destination (what `check` reports). */
  readonly differences: number;
  /** Copies started again from the start because their source changed mid-copy. */
  readonly sourceChanged: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly dryRun: boolean;
  /** The run was stopped before it finished. */
  readonly stopped: boolean;
}

const DELETE_BATCH = 1000;

/**
 * One run of `sync`, `copy` or `check`. `start()` resolves the locations, checks they are
 * reachable (ConfigurationError otherwise), merges the two listings in key order and copies what
 * differs with a bounded worker pool; a sync then deletes the extras, only if every copy succeeded
 * and no more than `maxDelete`. `stop()` stops intake and lets copies in flight finish;
 * `stop({ abort: true })` also aborts them (multipart uploads are aborted, temp files removed).
 */
export class SyncEngine {
  private readonly controller = new AbortController();
  private readonly logger: Logger;
  readonly metrics: EngineMetrics;
  private readonly tuning: EngineTuning;
  private readonly transfers: number;
  private readonly checkers: number;
  private readonly filter: KeyFilter;
  private stopping = false;
  private running: Promise<Summary> | undefined;
  private counts = { copied: 0, deleted: 0, skipped: 0, failed: 0, differences: 0, sourceChanged: 0, bytes: 0, bytesToCopy: 0, objectsDone: 0 };
  private listingDone = false;
  /** The run's S3 clients, one per remote (both sides share it when they name the same), closed when it ends. */
  private readonly clients = new Map<string, S3Client>();

  constructor(private readonly options: EngineOptions) {
    // Every request in flight listens on the run's one signal.
    setMaxListeners(0, this.controller.signal);
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.metrics = options.metrics ?? new EngineMetrics();
    this.tuning = { ...DEFAULT_TUNING, ...options.tuning };
    this.transfers = Math.max(1, options.transfers ?? 16);
    this.checkers = Math.max(1, options.checkers ?? 16);
    this.filter = new KeyFilter(options.include, options.exclude);
  }

  /** Starts the run (once); resolves with its summary. */
  start(): Promise<Summary> {
    this.running ??= this.run().finally(() => {
      for (const client of this.clients.values()) client.destroy();
      this.clients.clear();
    });
    return this.running;
  }

  /**
   * Stops taking new objects; with `abort`, also aborts requests in flight. Resolves when the run
   * has ended (immediately if it never started).
   */
  async stop(options: { abort?: boolean } = {}): Promise<void> {
    this.stopping = true;
    if (options.abort === true) this.controller.abort(new StoppedError('run aborted'));
    await this.running?.catch(() => undefined);
  }

  private async run(): Promise<Summary> {
    const began = performance.now();
    const { command } = this.options;
    const dryRun = this.options.dryRun ?? false;
    const ctx = this.context();
    const source = this.side(this.options.source, ctx);
    const destination = this.side(this.options.destination, ctx);
    await Promise.all([this.probe(source, 'source', false), this.probe(destination, 'destination', command !== 'check' && !dryRun)]);
    const serverSide = source.kind === 's3' && destination.kind === 's3' && sameServer(source.bucket.config, destination.bucket.config);
    this.logger.info(
      { command, source: this.options.source, destination: this.options.destination, dryRun, serverSide, transfers: this.transfers, checkers: this.checkers },
      'run started',
    );
    const slots = new Semaphore(this.transfers);
    const deps: TransferDeps = {
      ctx,
      tuning: this.tuning,
      slots,
      serverSide,
      partConcurrency: this.transfers,
      onSourceChanged: (key: string, err: Error) => {
        this.counts.sourceChanged += 1;
        this.metrics.retries.inc({ operation: 'SourceChanged' });
        this.logger.warn({ key, err: err.message }, 'source changed during its copy: copying it again from the start');
      },
    };
    const spool = command === 'sync' ? new DeleteSpool() : undefined;
    const eitherLocal = source.kind === 'local' || destination.kind === 'local';
    const pairs = mergeListings(this.listed(source, eitherLocal, true), this.listed(destination, eitherLocal, false));
    const checks = this.options.compareAttributes;
    const attributes = !eitherLocal && (checks?.tags === true || checks?.metadata === true);
    const handle = async ({ pair, verdict }: Task): Promise<void> => {
      if (verdict === 'attributes') return this.attributes(pair, source, destination, dryRun, deps);
      const reason = verdict === 'hash' ? ((await this.hashCompare(pair, source, destination)) ? 'same' : 'changed') : verdict;
      if (reason === 'same') return this.count('skipped');
      if (reason === 'extra') {
        if (command === 'check') return this.difference(pair.key, 'extra at destination');
        if (spool !== undefined) await spool.add(pair.key);
        return;
      }
      const entry = pair.source as ObjectEntry;
      if (command === 'check') return this.difference(pair.key, reason);
      this.counts.bytesToCopy += entry.size;
      if (dryRun) {
        this.logger.info({ key: pair.key, size: entry.size, reason }, 'would copy');
        this.counts.bytes += entry.size;
        return this.count('copied');
      }
      const started = performance.now();
      this.metrics.inFlight.inc();
      try {
        const outcome = await transfer(source, destination, entry, deps);
        this.metrics.transferSeconds.observe({ method: outcome.method }, (performance.now() - started) / 1000);
        this.metrics.bytes.inc({ command, method: outcome.method }, outcome.bytes);
        this.counts.bytes += outcome.bytes;
        this.logger.debug({ key: pair.key, size: entry.size, method: outcome.method, reason }, 'copied');
        this.count('copied');
      } catch (err) {
        this.fail(new TransferError(`copy failed: ${describeError(err)}`, pair.key, { cause: err }));
      } finally {
        this.metrics.inFlight.dec();
      }
    };
    try {
      await runPool(this.tasks(pairs, destination, attributes), this.transfers + this.checkers, handle, () => this.stopping);
      if (spool !== undefined && !this.stopping) await this.deleteExtras(spool, destination, dryRun);
    } catch (err) {
      if (this.controller.signal.aborted) this.logger.warn({ err: describeError(err) }, 'run aborted');
      else throw err;
    } finally {
      await spool?.dispose();
    }
    const summary: Summary = {
      command,
      copied: this.counts.copied,
      deleted: this.counts.deleted,
      skipped: this.counts.skipped,
      failed: this.counts.failed,
      differences: this.counts.differences,
      sourceChanged: this.counts.sourceChanged,
      bytes: this.counts.bytes,
      seconds: Math.round(performance.now() - began) / 1000,
      dryRun,
      stopped: this.stopping,
    };
    this.logger.info(summary, 'run finished');
    return summary;
  }

  private context(): EngineContext {
    const signal = this.controller.signal;
    return {
      signal,
      logger: this.logger,
      metrics: this.metrics,
      retry: (operation, request, transient) =>
        withRetry(request, {
          signal,
          transient,
          attempts: this.tuning.retryAttempts,
          baseDelayMs: this.tuning.retryBaseDelayMs,
          maxDelayMs: this.tuning.retryMaxDelayMs,
          deadlineMs: this.tuning.retryDeadlineMs,
          onRetry: (err, attempt) => {
            this.metrics.retries.inc({ operation });
            this.logger.warn({ operation, attempt, err: describeError(err) }, 'retrying after a transient error');
          },
        }),
    };
  }

  private side(text: string, ctx: EngineContext): Side {
    let location: Location;
    let config: RemoteConfig | undefined;
    try {
      location = parseLocation(text);
      if (location.kind === 'remote') config = remoteConfigFromEnv(location.remote, this.options.env ?? process.env);
    } catch (err) {
      if (err instanceof LocationError || err instanceof RemoteConfigError) throw new ConfigurationError(err.message);
      throw err;
    }
    if (location.kind === 'local') return { kind: 'local', directory: new LocalDirectory(location, ctx) };
    let client = this.clients.get(location.remote);
    if (client === undefined) {
      client = createS3Client(config as RemoteConfig, {
        // Both sides' requests when they share the remote: the listings ahead, the transfers and the checkers.
        maxSockets: this.transfers + this.checkers + 2,
        connectTimeoutMs: this.tuning.connectTimeoutMs,
        idleTimeoutMs: this.tuning.idleTimeoutMs,
        credentials: {
          onRefreshError: (err) => this.logger.warn({ remote: location.remote, err: describeError(err) }, 'credential refresh failed; the current credentials are still valid'),
          onWarning: (message) => this.logger.warn({ remote: location.remote }, message),
        },
      });
      this.clients.set(location.remote, client);
    }
    return { kind: 's3', bucket: new S3Bucket(client, config as RemoteConfig, location, ctx, this.tuning) };
  }

  private async probe(side: Side, role: 'source' | 'destination', create: boolean): Promise<void> {
    if (side.kind === 's3') await side.bucket.probe();
    else await side.directory.probe(role, create);
  }

  /**
   * The side's listing through the filters, a batch at a time. Directory markers (`dir/`, 0 bytes)
   * have no file to map to, so they are left out when either side is a local directory.
   */
  private async *listed(side: Side, eitherLocal: boolean, isSource: boolean): AsyncGenerator<ObjectEntry[]> {
    const batches = side.kind === 's3' ? side.bucket.list() : side.directory.list();
    for await (const batch of batches) {
      yield batch.filter((entry) => !(eitherLocal && entry.key.endsWith('/')) && this.filter.matches(entry.key) && inShard(entry.key, this.options.shard));
    }
    // From here on the bytes to copy are all known, so progress can show a true total and ETA.
    if (isSource) this.listingDone = true;
  }

  /**
   * The pairs that need a worker, with the reason. Pairs already in step are counted here, a batch
   * at a time, so a re-sync of many unchanged objects costs the listings and no per-key await.
   */
  private async *tasks(pairs: AsyncIterable<Pair<ObjectEntry>[]>, destination: Side, attributes: boolean): AsyncGenerator<Task> {
    const mode = this.options.compare ?? 'default';
    const destinationIsLocal = destination.kind === 'local';
    for await (const batch of pairs) {
      let same = 0;
      for (const pair of batch) {
        const verdict = verdictOf(pair, mode, destinationIsLocal);
        if (verdict === 'same' && attributes) {
          yield { pair, verdict: 'attributes' };
          continue;
        }
        if (verdict === 'same') {
          same += 1;
          continue;
        }
        this.countMany('skipped', same);
        same = 0;
        yield { pair, verdict };
      }
      this.countMany('skipped', same);
    }
  }

  /**
   * `--compare-tags` / `--compare-metadata` for a pair with the same content: a tag-only change is
   * carried by PutObjectTagging, a metadata change by copying the object again.
   */
  private async attributes(pair: Pair<ObjectEntry>, source: Side, destination: Side, dryRun: boolean, deps: TransferDeps): Promise<void> {
    const command = this.options.command;
    if (source.kind !== 's3' || destination.kind !== 's3') return this.count('skipped');
    const entry = pair.source as ObjectEntry;
    const checks = { tags: this.options.compareAttributes?.tags === true, metadata: this.options.compareAttributes?.metadata === true };
    const ctx = deps.ctx;
    let verdict: 'same' | 'tags' | 'metadata';
    let sourceTags: string;
    try {
      ({ verdict, sourceTags } = await compareAttributes(source.bucket, destination.bucket, pair.key, checks, (operation, request) => ctx.retry(operation, request)));
    } catch (err) {
      return this.fail(new TransferError(`compare failed: ${describeError(err)}`, pair.key, { cause: err }));
    }
    if (verdict === 'same') return this.count('skipped');
    const reason = verdict === 'tags' ? 'tags changed' : 'metadata changed';
    if (command === 'check') return this.difference(pair.key, reason);
    if (dryRun) {
      this.logger.info({ key: pair.key, reason }, verdict === 'tags' ? 'would set tags' : 'would copy');
      return this.count('copied');
    }
    try {
      if (verdict === 'tags') {
        await destination.bucket.putTagging(pair.key, sourceTags);
        this.logger.debug({ key: pair.key, reason }, 'tags set');
      } else {
        const outcome = await transfer(source, destination, entry, deps);
        this.counts.bytes += outcome.bytes;
        this.metrics.bytes.inc({ command, method: outcome.method }, outcome.bytes);
        this.logger.debug({ key: pair.key, method: outcome.method, reason }, 'copied');
      }
      this.count('copied');
    } catch (err) {
      this.fail(new TransferError(`copy failed: ${describeError(err)}`, pair.key, { cause: err }));
    }
  }

  /** `--checksum` with a local side: hash the file in the bucket object's layout. */
  private async hashCompare(pair: Pair<ObjectEntry>, source: Side, destination: Side): Promise<boolean> {
    const src = pair.source as ObjectEntry;
    const dst = pair.destination as ObjectEntry;
    try {
      if (source.kind === 'local' && destination.kind === 's3') {
        return (await localEtag(source.directory, src.key, src.size, dst.etag ?? '', destination.bucket, this.tuning)) === dst.etag;
      }
      if (source.kind === 's3' && destination.kind === 'local') {
        return (await localEtag(destination.directory, dst.key, dst.size, src.etag ?? '', source.bucket, this.tuning)) === src.etag;
      }
      if (source.kind === 'local' && destination.kind === 'local') {
        return (await fileMd5(source.directory, src.key)) === (await fileMd5(destination.directory, dst.key));
      }
    } catch (err) {
      this.logger.warn({ key: src.key, err: describeError(err) }, 'could not hash; treating as changed');
    }
    return false;
  }

  private async deleteExtras(spool: DeleteSpool, destination: Side, dryRun: boolean): Promise<void> {
    if (spool.count === 0) return;
    if (this.counts.failed > 0) {
      this.logger.error({ extras: spool.count, failed: this.counts.failed }, 'deletes skipped because some copies failed');
      return;
    }
    const limit = this.options.maxDelete;
    if (limit !== undefined && spool.count > limit) {
      this.logger.error({ extras: spool.count, maxDelete: limit }, 'deletes skipped: more extras than --max-delete');
      this.counts.failed += spool.count;
      this.metrics.objects.inc({ command: this.options.command, outcome: 'failed' }, spool.count);
      return;
    }
    if (dryRun) {
      for await (const key of spool.keys()) {
        this.logger.info({ key }, 'would delete');
        this.count('deleted');
      }
      return;
    }
    const stopped = (): boolean => this.stopping;
    if (destination.kind === 's3') {
      await runPool(spool.batches(DELETE_BATCH), this.checkers, async (keys) => {
        try {
          const failures = await destination.bucket.deleteMany(keys);
          for (const f of failures) this.fail(new TransferError(`delete failed: ${f.reason}`, f.key));
          for (let i = 0; i < keys.length - failures.length; i++) this.count('deleted');
        } catch (err) {
          for (const key of keys) this.fail(new TransferError(`delete failed: ${describeError(err)}`, key, { cause: err }));
        }
      }, stopped);
      return;
    }
    await runPool(spool.keys(), this.checkers, async (key) => {
      try {
        await destination.directory.delete(key);
        this.count('deleted');
      } catch (err) {
        this.fail(new TransferError(`delete failed: ${describeError(err)}`, key, { cause: err }));
      }
    }, stopped);
  }

  private count(outcome: Exclude<Outcome, 'failed' | 'differs'>): void {
    this.countMany(outcome, 1);
  }

  private countMany(outcome: Exclude<Outcome, 'failed' | 'differs'>, n: number): void {
    if (n === 0) return;
    this.counts[outcome] += n;
    this.metrics.objects.inc({ command: this.options.command, outcome }, n);
    this.progressed(n);
  }

  private difference(key: string, reason: string): void {
    this.counts.differences += 1;
    this.metrics.objects.inc({ command: this.options.command, outcome: 'differs' });
    this.logger.info({ key, reason }, 'differs');
    this.progressed(1);
  }

  private fail(err: TransferError): void {
    this.counts.failed += 1;
    this.metrics.objects.inc({ command: this.options.command, outcome: 'failed' });
    this.logger.error({ key: err.key, err: err.message }, 'object failed');
    this.progressed(1);
  }

  private progressed(n: number): void {
    this.counts.objectsDone += n;
    this.options.onProgress?.({
      objectsDone: this.counts.objectsDone,
      bytesDone: this.counts.bytes,
      bytesToCopy: this.counts.bytesToCopy,
      listingDone: this.listingDone,
    });
  }
}

/**
 * Why a pair needs work: `hash` means only hashing a local file can tell; `attributes` that the
 * contents match and tags or metadata are to be compared.
 */
type TaskVerdict = 'extra' | 'missing at destination' | 'changed' | 'hash' | 'attributes';

interface Task {
  readonly pair: Pair<ObjectEntry>;
  readonly verdict: TaskVerdict;
}

function verdictOf(pair: Pair<ObjectEntry>, mode: CompareMode, destinationIsLocal: boolean): TaskVerdict | 'same' {
  if (pair.source === undefined) return 'extra';
  if (pair.destination === undefined) return 'missing at destination';
  const verdict = compareEntries(pair.source, pair.destination, { mode, destinationIsLocal });
  return verdict === 'differ' ? 'changed' : verdict;
}

/** Runs one command to the end and returns its summary. */
export function runSync(options: EngineOptions): Promise<Summary> {
  return new SyncEngine(options).start();
}
