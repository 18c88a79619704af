import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import yaml from 'js-yaml';
import { ValidationError, resolveReplicateConfig, type ReplicateConfig } from '../../model';
import { ConfigurationError } from '../errors';
import { createEventSource } from '../events/create-source';
import { serveHealth } from '../observability/health-server';
import { createLogger } from '../observability/logger';
import { ReplicateMetrics } from '../observability/replicate-metrics';
import { drainOnSignal } from '../shutdown';
import { Replicator } from './replicate';

export interface ReplicateFlags {
  readonly config: string;
  readonly checkConfig: boolean;
  readonly logLevel: string;
  /** Deadlines and retries of S3 requests, in seconds (as `sync`'s flags, docs/engine.md). */
  readonly connectTimeout: number;
  readonly headerTimeout: number;
  readonly idleTimeout: number;
  readonly retries: number;
  readonly retryDeadline: number;
}

/** After a source is lost: how long past `drainSeconds` the stop may take before the engine exits anyway. */
const LOST_EXIT_GRACE_SECONDS = 10;

/** Reads and validates a replicate configuration file (YAML or JSON). */
export function loadReplicateConfig(file: string): ReplicateConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigurationError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = yaml.load(text, { filename: file });
  } catch (err) {
    throw new ConfigurationError(`config file ${file} is not YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  try {
    return resolveReplicateConfig(doc, file);
  } catch (err) {
    if (err instanceof ValidationError) throw new ConfigurationError(err.message);
    throw err;
  }
}

/**
 * `bucketbridge replicate`: runs until SIGTERM/SIGINT, then stops intake, drains work in flight
 * for `drainSeconds` and aborts what is left (those messages are not acknowledged). Exit codes:
 * 0 after a signal, 2 for a bad configuration, 1 when a source or S3 fails at start-up or a source
 * loses its broker later.
 */
export async function runReplicate(flags: ReplicateFlags): Promise<number> {
  const logger = createLogger(flags.logLevel);
  let config: ReplicateConfig;
  try {
    config = loadReplicateConfig(flags.config);
  } catch (err) {
    process.stderr.write(`bucketbridge: ${(err as Error).message}\n`);
    return 2;
  }
  if (flags.checkConfig) {
    process.stdout.write(`${flags.config}: valid (${config.sources.length} sources, ${config.routes.length} routes)\n`);
    return 0;
  }
  const metrics = new ReplicateMetrics();
  let exitCode = 0;
  let stopped!: () => void;
  const stoppedBySignal = new Promise<void>((resolve) => (stopped = resolve));
  const replicator: Replicator = new Replicator({
    config,
    createSource: createEventSource,
    tuning: {
      connectTimeoutMs: flags.connectTimeout * 1000,
      headerTimeoutMs: flags.headerTimeout * 1000,
      idleTimeoutMs: flags.idleTimeout * 1000,
      retryAttempts: flags.retries + 1,
      retryDeadlineMs: flags.retryDeadline * 1000,
    },
    logger,
    metrics,
    // A source without its broker: the one line that says why, then drain the others and exit 1,
    // so that the supervisor restarts us. The exit is bounded even if a client hangs on its way out.
    onSourceLost: (reason) => {
      logger.fatal({ reason, drainSeconds: config.drainSeconds }, `a source lost its broker: draining, then exiting 1 so that the supervisor restarts the engine`);
      exitCode = 1;
      const bound = new Promise<void>((resolve) => setTimeout(resolve, (config.drainSeconds + LOST_EXIT_GRACE_SECONDS) * 1000).unref());
      void Promise.race([drain('source-lost'), bound]).then(stopped);
    },
  });
  let server: Server | undefined;
  const drain = drainOnSignal(replicator, logger, config.drainSeconds, {
    intake: 'messages',
    inFlight: 'work in flight',
    abortNote: '; its messages stay unacknowledged',
  });
  const onSignal = (signal: NodeJS.Signals): void => void drain(signal).then(stopped);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    if (config.listen !== undefined) server = await serveHealth(config.listen, metrics.registry, () => replicator.ready());
    await replicator.start();
    await stoppedBySignal;
    logger.info('replicate stopped');
    return exitCode;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    logger.error({ err: message }, 'replicate failed to start');
    await replicator.stop({ abort: true });
    process.stderr.write(`bucketbridge: ${message}\n`);
    return err instanceof ConfigurationError ? 2 : 1;
  } finally {
    server?.close();
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
  }
}
