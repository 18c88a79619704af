import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import pino, { type Logger } from 'pino';
import {
  REPLICA_MARKER_METADATA,
  RemoteConfigError,
  S3EventParseError,
  guardVerdict,
  markerVerdict,
  parseS3EventMessage,
  remoteConfigFromEnv,
  renderKeyPrefix,
  routeTargets,
  type EventSourceConfig,
  type ReplicateConfig,
  type RouteConfig,
  type RouteTarget,
  type S3EventRecord,
} from '../../model';
import type { EngineContext } from '../context';
import { ConfigurationError, StoppedError, describeError } from '../errors';
import type { Delivery, EventSource, SourceDeps, Verdict } from '../events/source';
import { KeyedLock } from '../keyed-lock';
import type { KeyOutcome } from '../observability/replicate-metrics';
import { ReplicateMetrics } from '../observability/replicate-metrics';
import { Semaphore } from '../pool';
import { withRetry } from '../retry';
import type { HeadResult } from '../s3/s3-bucket';
import { DEFAULT_TUNING, type EngineTuning } from '../tuning';
import { RouteStores, type RouteStore } from './replicate-store';
import { SyncEngine } from './sync-engine';

/** Attempts per S3 request in `replicate` (fewer than `sync`'s: a failed key is retried whole, `retry` in the config). */
export const REPLICATE_RETRY_ATTEMPTS = 3;

export interface ReplicatorOptions {
  readonly config: ReplicateConfig;
  /** Builds the event source for one source configuration (the CLI passes the real ones). */
  readonly createSource: (config: EventSourceConfig, deps: SourceDeps) => EventSource | Promise<EventSource>;
  /**
   * A source lost its broker for good (see `SourceDeps.lost`), or stayed not ready for
   * `sourceLostSeconds`. Called at most once. @default - nothing happens
   */
  readonly onSourceLost?: (reason: string) => void;
  /** Where remotes (`RCLONE_CONFIG_<REMOTE>_*`) and the sources' credential variables are read. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** @default - a silent logger */
  readonly logger?: Logger;
  /** @default - a registry of its own */
  readonly metrics?: ReplicateMetrics;
  /** Deadlines, retries and sizes of S3 requests (the CLI sets them from its flags). @default DEFAULT_TUNING with 3 attempts per S3 request */
  readonly tuning?: Partial<EngineTuning>;
}

/** How one attempt at one key on one route ended. */
type Applied = { readonly outcome: Exclude<KeyOutcome, 'failed'>; readonly bytes: number };

/**
 * The `replicate` daemon: takes S3 event notifications from its sources and makes each route's
 * destination match the source for every key an event names, by reading the key's current state
 * (never by replaying the event). Events of one key on one route run one at a time; different keys
 * run in parallel up to `concurrency`. A message is acknowledged only after all its records were
 * applied; after `retry.attempts` it is dead-lettered. An optional anti-entropy pass syncs each
 * route to catch what no event announced.
 */
export class Replicator {
  private readonly controller = new AbortController();
  private readonly logger: Logger;
  readonly metrics: ReplicateMetrics;
  private readonly tuning: EngineTuning;
  private readonly locks = new KeyedLock();
  private readonly workers: Semaphore;
  private readonly stores = new Map<string, RouteStore>();
  private routeStores: RouteStores | undefined;
  private readonly sources: EventSource[] = [];
  private readonly reconcilers = new Set<SyncEngine>();
  private reconcileTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  /** When each source (by name) was first seen not ready, since it last was. */
  private readonly notReadySince = new Map<string, number>();
  private lostReported = false;
  private reconciling: Promise<void> | undefined;
  private stopping = false;
  private started = false;

  constructor(private readonly options: ReplicatorOptions) {
    setMaxListeners(0, this.controller.signal);
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.metrics = options.metrics ?? new ReplicateMetrics();
    this.tuning = { ...DEFAULT_TUNING, retryAttempts: REPLICATE_RETRY_ATTEMPTS, ...options.tuning };
    this.workers = new Semaphore(options.config.concurrency);
  }

  private get config(): ReplicateConfig {
    return this.options.config;
  }

  /**
   * Resolves the remotes (ConfigurationError when one is missing), runs the start-up reconcile
   * pass when configured, then starts every source. Resolves once all sources consume.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const ctx = this.context();
    const env = this.options.env ?? process.env;
    const metrics = this.metrics.engine;
    const stores = new RouteStores({
      ctx,
      tuning: this.tuning,
      slots: new Semaphore(this.config.concurrency),
      maxSockets: this.config.concurrency * 2,
      onSourceChanged: (key, err) => {
        metrics.retries.inc({ operation: 'SourceChanged' });
        this.logger.warn({ key, err: err.message }, 'source changed during its copy: copying it again from the start');
      },
      remote: (name) => {
        try {
          return remoteConfigFromEnv(name, env);
        } catch (err) {
          if (err instanceof RemoteConfigError) throw new ConfigurationError(err.message);
          throw err;
        }
      },
    });
    this.routeStores = stores;
    stores.check(this.config.routes);
    for (const route of this.config.routes) this.stores.set(route.name, stores.forRoute(route));
    this.logger.info(
      { sources: this.config.sources.map((s) => `${s.type}:${s.name}`), routes: this.config.routes.map((r) => r.name), concurrency: this.config.concurrency },
      'replicate starting',
    );
    if (this.config.reconcile.onStart) await this.reconcileAll();
    for (const sourceConfig of this.config.sources) {
      const source = await this.options.createSource(sourceConfig, {
        logger: this.logger.child({ source: sourceConfig.name }),
        metrics: this.metrics,
        lost: (reason) => this.lost(reason),
        env: this.options.env,
      });
      await source.start((delivery) => this.handle(sourceConfig, delivery));
      this.sources.push(source);
    }
    const lostAfterMs = this.config.sourceLostSeconds * 1000;
    this.watchdog = setInterval(() => this.watch(lostAfterMs), Math.min(1000, lostAfterMs / 4));
    this.watchdog.unref();
    const interval = this.config.reconcile.intervalSeconds;
    if (interval > 0) {
      this.reconcileTimer = setInterval(() => {
        this.reconciling ??= this.reconcileAll().finally(() => (this.reconciling = undefined));
      }, interval * 1000);
      this.reconcileTimer.unref();
    }
    this.logger.info('replicate running');
  }

  /** Gives up a source that has not been ready for `lostAfterMs` (its broker out of reach). */
  private watch(lostAfterMs: number): void {
    const now = Date.now();
    for (const source of this.sources) {
      if (source.ready()) {
        this.notReadySince.delete(source.name);
        continue;
      }
      const since = this.notReadySince.get(source.name) ?? now;
      this.notReadySince.set(source.name, since);
      if (now - since >= lostAfterMs) this.lost(`source '${source.name}' has not been ready for ${Math.round((now - since) / 1000)} s (sourceLostSeconds ${this.config.sourceLostSeconds})`);
    }
  }

  private lost(reason: string): void {
    if (this.lostReported || this.stopping) return;
    this.lostReported = true;
    this.options.onSourceLost?.(reason);
  }

  /** Every source consumes and the engine is not stopping. */
  ready(): boolean {
    return this.started && !this.stopping && this.sources.length === this.config.sources.length && this.sources.every((s) => s.ready());
  }

  /**
   * Stops intake on every source and waits until the deliveries in flight are answered; with
   * `abort`, also aborts the S3 requests in flight (their messages are left for redelivery).
   */
  async stop(options: { abort?: boolean } = {}): Promise<void> {
    this.stopping = true;
    if (this.reconcileTimer !== undefined) clearInterval(this.reconcileTimer);
    if (this.watchdog !== undefined) clearInterval(this.watchdog);
    if (options.abort === true) this.controller.abort(new StoppedError('replicate aborted'));
    for (const engine of this.reconcilers) void engine.stop({ abort: options.abort });
    await Promise.all([...this.sources.map((s) => s.stop()), this.reconciling]);
    this.routeStores?.close();
  }

  /** One message from one source: parse, apply every record on every route it matches, give the verdict. */
  async handle(source: EventSourceConfig, delivery: Delivery): Promise<Verdict> {
    this.metrics.messages.inc({ source: source.name });
    let records: readonly S3EventRecord[];
    try {
      const parsed = parseS3EventMessage(delivery.body, source.keyEncoding);
      for (const i of parsed.ignored) this.metrics.ignored.inc({ source: source.name, reason: i.reason });
      records = parsed.records;
    } catch (err) {
      if (!(err instanceof S3EventParseError)) throw err;
      delivery.deadLetter = { reason: 'poison', message: err.message };
      this.metrics.deadLettered.inc({ source: source.name, reason: 'poison' });
      this.logger.warn({ source: source.name, err: err.message, bytes: delivery.body.length }, 'poison message dead-lettered');
      return 'dead-letter';
    }
    const work: Promise<'ok' | 'failed' | 'stopped'>[] = [];
    for (const record of records) {
      this.metrics.events.inc({ source: source.name, action: record.action });
      const targets = routeTargets(this.config.routes, record);
      if (targets.length === 0) this.metrics.ignored.inc({ source: source.name, reason: 'no-route' });
      for (const target of targets) work.push(this.applyTarget(source, record, target));
    }
    const results = await Promise.all(work);
    if (results.includes('stopped')) return 'retry-later';
    if (results.includes('failed')) {
      delivery.deadLetter = { reason: 'failed', message: 'reconciliation failed after every retry' };
      this.metrics.deadLettered.inc({ source: source.name, reason: 'failed' });
      return 'dead-letter';
    }
    return 'done';
  }

  private async applyTarget(source: EventSourceConfig, record: S3EventRecord, target: RouteTarget): Promise<'ok' | 'failed' | 'stopped'> {
    const { route } = target;
    const log = { source: source.name, route: route.name, key: record.key, event: record.eventName };
    if (guardVerdict(route, record) !== 'apply') {
      this.metrics.keys.inc({ route: route.name, outcome: 'ignored-principal' });
      this.logger.debug({ ...log, principalId: record.principalId }, 'ignored: event by an ignored principal');
      return 'ok';
    }
    const store = this.stores.get(route.name) as RouteStore;
    return this.locks.run(`${route.name}\0${record.key}`, () =>
      this.workers.use(async () => {
        for (let attempt = 1; ; attempt++) {
          if (this.controller.signal.aborted) return 'stopped';
          this.metrics.inFlight.inc();
          try {
            const applied = await this.reconcileKey(store, route, record.key, record.action === 'tagging');
            this.metrics.keys.inc({ route: route.name, outcome: applied.outcome });
            if (applied.bytes > 0) this.metrics.bytes.inc({ route: route.name }, applied.bytes);
            if (record.eventTime !== undefined) this.metrics.lag.observe({ source: source.name }, Math.max(0, (Date.now() - record.eventTime.getTime()) / 1000));
            this.logger.debug({ ...log, outcome: applied.outcome, bytes: applied.bytes }, 'key reconciled');
            return 'ok';
          } catch (err) {
            if (this.controller.signal.aborted) return 'stopped';
            if (attempt >= this.config.retry.attempts) {
              this.metrics.keys.inc({ route: route.name, outcome: 'failed' });
              this.logger.error({ ...log, attempts: attempt, err: describeError(err) }, 'key failed after every retry');
              return 'failed';
            }
            this.metrics.attempts.inc({ route: route.name });
            this.logger.warn({ ...log, attempt, err: describeError(err) }, 'key failed; retrying');
          } finally {
            this.metrics.inFlight.dec();
          }
          const ceiling = this.config.retry.baseDelayMs * 2 ** (attempt - 1);
          try {
            await sleep(ceiling / 2 + (Math.random() * ceiling) / 2, undefined, { signal: this.controller.signal });
          } catch {
            return 'stopped';
          }
        }
      }),
    );
  }

  /** Makes the destination's `key` match the source's current state of it. */
  private async reconcileKey(store: RouteStore, route: RouteConfig, key: string, tagsChanged: boolean): Promise<Applied> {
    const [src, dst] = await Promise.all([store.head('source', key), store.head('destination', key)]);
    if (src === undefined) {
      if (dst === undefined) return { outcome: 'absent', bytes: 0 };
      await store.delete(key);
      return { outcome: 'deleted', bytes: 0 };
    }
    // The source's current state is a replica some route wrote: its origin has it already.
    if (markerVerdict(route, src.headers.Metadata) === 'ignored-replica') return { outcome: 'ignored-replica', bytes: 0 };
    if (dst !== undefined && src.size === dst.size && src.etag === dst.etag && (!route.compareMetadata || sameHeaders(src, dst, route.replicaMarker !== undefined))) {
      if (!route.compareTags && !tagsChanged) return { outcome: 'in-step', bytes: 0 };
      const [srcTags, dstTags] = await Promise.all([store.tags('source', key), store.tags('destination', key)]);
      if (srcTags === dstTags) return { outcome: 'in-step', bytes: 0 };
      await store.putTags(key, srcTags);
      return { outcome: 'copied', bytes: 0 };
    }
    const outcome = await store.copy(key, src);
    return { outcome: 'copied', bytes: outcome.bytes };
  }

  /** One anti-entropy pass: a sync (or copy) of every route, one route at a time. */
  async reconcileAll(): Promise<void> {
    for (const route of this.config.routes) {
      if (this.stopping) return;
      const { location, include } = reconcileScope(route);
      const engine = new SyncEngine({
        command: this.config.reconcile.mode,
        source: `${route.source.remote}:${route.source.bucket}/${location}`,
        destination: `${route.destination.remote}:${route.destination.bucket}/${renderKeyPrefix(route)}${location}`,
        include,
        env: this.options.env,
        logger: this.logger.child({ reconcile: route.name }),
        metrics: this.metrics.engine,
        tuning: this.tuning,
        transfers: Math.max(1, Math.floor(this.config.concurrency / 2)),
        checkers: Math.max(1, Math.floor(this.config.concurrency / 2)),
      });
      this.reconcilers.add(engine);
      try {
        const summary = await engine.start();
        if (summary.copied > 0) this.metrics.drift.inc({ route: route.name, action: 'copied' }, summary.copied);
        if (summary.deleted > 0) this.metrics.drift.inc({ route: route.name, action: 'deleted' }, summary.deleted);
        const outcome = summary.failed > 0 ? 'failed' : 'ok';
        this.metrics.reconciles.inc({ route: route.name, outcome });
        this.logger.info({ route: route.name, copied: summary.copied, deleted: summary.deleted, failed: summary.failed, skipped: summary.skipped }, 'reconcile pass finished');
      } catch (err) {
        this.metrics.reconciles.inc({ route: route.name, outcome: 'failed' });
        this.logger.error({ route: route.name, err: describeError(err) }, 'reconcile pass failed');
      } finally {
        this.reconcilers.delete(engine);
      }
    }
  }

  private context(): EngineContext {
    const signal = this.controller.signal;
    const metrics = this.metrics.engine;
    return {
      signal,
      logger: this.logger,
      metrics,
      retry: (operation, request, transient) =>
        withRetry(request, {
          signal,
          transient,
          attempts: this.tuning.retryAttempts,
          baseDelayMs: this.tuning.retryBaseDelayMs,
          maxDelayMs: this.tuning.retryMaxDelayMs,
          deadlineMs: this.tuning.retryDeadlineMs,
          onRetry: (err, attempt) => {
            metrics.retries.inc({ operation });
            this.logger.debug({ operation, attempt, err: describeError(err) }, 'retrying an S3 request after a transient error');
          },
        }),
    };
  }
}

/** Same content headers and user metadata; `marked`: the destination's loop-guard marker does not count. */
function sameHeaders(a: HeadResult, b: HeadResult, marked: boolean): boolean {
  const norm = (h: HeadResult): string =>
    JSON.stringify({
      ...h.headers,
      Expires: h.headers.Expires?.toISOString(),
      Metadata: Object.fromEntries(
        Object.entries(h.headers.Metadata ?? {})
          .filter(([name]) => !marked || name !== REPLICA_MARKER_METADATA)
          .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)),
      ),
    });
  return norm(a) === norm(b);
}

const escapeGlob = (text: string): string => text.replace(/[*?[\]{}()!+@\\|]/g, '\\$&');

/**
 * The sync location (a prefix ending in `/`) and include globs that cover exactly the keys a
 * route's prefix and suffix select.
 */
export function reconcileScope(route: Pick<RouteConfig, 'prefix' | 'suffix'>): { location: string; include: string[] } {
  const cut = route.prefix.lastIndexOf('/') + 1;
  const location = route.prefix.slice(0, cut);
  const rest = escapeGlob(route.prefix.slice(cut));
  const suffix = escapeGlob(route.suffix);
  if (rest === '' && suffix === '') return { location, include: [] };
  return { location, include: [`${rest}*${suffix}`, `${rest}*/**/*${suffix}`] };
}
